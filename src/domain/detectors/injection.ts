import { scan, type Finding } from './finding.js';

interface Signal {
  kind: string;
  /** Matched against lower-cased text unless caseSensitive. */
  pattern: RegExp;
  weight: number;
  caseSensitive?: boolean;
}

/** Phrases typical of prompt injection and jailbreaks, with how much each raises the score (0–100). */
const SIGNALS: Signal[] = [
  {
    kind: 'override_instructions',
    pattern:
      /\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|your|system|original)\b[^.\n]{0,20}\b(?:instructions?|prompts?|rules?|directives?|guidelines?)\b/g,
    weight: 60,
  },
  {
    kind: 'reveal_system_prompt',
    pattern:
      /\b(?:reveal|show|print|repeat|output|leak|tell me)\b[^.\n]{0,30}\b(?:system|hidden|initial|secret)\s+(?:prompt|instructions?|message)\b/g,
    weight: 55,
  },
  {
    kind: 'role_hijack',
    pattern: /\b(?:you are now|from now on,? you(?: are|'re| will)|act as|pretend (?:to be|you are)|roleplay as)\b/g,
    weight: 25,
  },
  // "DAN" only in capitals: the name Dan is not a jailbreak.
  { kind: 'jailbreak_persona', pattern: /\bDAN\b/g, weight: 50, caseSensitive: true },
  {
    kind: 'jailbreak_persona',
    pattern:
      /\b(?:do anything now|developer mode|jailbreak(?:ed)?|unfiltered|evil ?bot|no (?:rules|restrictions|limits|filters|guidelines))\b/g,
    weight: 50,
  },
  {
    kind: 'disable_safety',
    pattern:
      /\b(?:disable|turn off|remove|without)\b[^.\n]{0,20}\b(?:safety|filters?|guardrails?|content polic(?:y|ies)|restrictions|censorship)\b/g,
    weight: 35,
  },
  {
    kind: 'fake_delimiter',
    pattern:
      /(?:<\/?(?:system|assistant|instructions?)>|\[\/?(?:inst|sys)\]|###\s*(?:system|instruction)|<\|im_(?:start|end)\|>)/g,
    weight: 35,
  },
  {
    kind: 'exfiltration',
    pattern: /\b(?:send|post|upload|forward|exfiltrate)\b[^.\n]{0,40}\b(?:to|at)\s+(?:https?:\/\/|www\.|[\w.-]+@)/g,
    weight: 30,
  },
  { kind: 'encoded_payload', pattern: /\b(?:base64|rot13|hex)[- ]?(?:decode|encoded)\b/g, weight: 15 },
];

/** Undoes cheap obfuscation: zero-width characters, runs of whitespace, and case (except where case matters). */
function normalise(text: string): string {
  return text.replace(/[\u200B-\u200D\u2060\uFEFF]/g, '').replace(/\s+/g, ' ');
}

export interface InjectionResult {
  score: number;
  findings: Finding[];
}

/** Each kind of signal's weight (signals of one kind share it). */
const WEIGHTS = new Map(SIGNALS.map((signal) => [signal.kind, signal.weight]));

/**
 * The prompt-injection score injection findings add up to: each kind of signal adds its weight once, further hits of
 * the same kind add 5 each (at most 10), capped at 100. Findings of other detectors count for nothing.
 */
export function injectionScore(findings: readonly Finding[]): number {
  const hits = new Map<string, number>();
  for (const finding of findings)
    if (finding.detector === 'injection') hits.set(finding.kind, (hits.get(finding.kind) ?? 0) + 1);
  let score = 0;
  for (const [kind, count] of hits) score += (WEIGHTS.get(kind) ?? 0) + Math.min(10, (count - 1) * 5);
  return Math.min(100, score);
}

/**
 * Heuristic prompt-injection detection, scored by `injectionScore`. Spans refer to the normalised text only where no
 * characters were removed; otherwise they are dropped to the whole content.
 */
export function detectInjection(text: string): InjectionResult {
  const normalised = normalise(text);
  const sameOffsets = normalised.length === text.length;
  const lower = normalised.toLowerCase();
  const findings: Finding[] = [];
  for (const signal of SIGNALS) {
    const haystack = signal.caseSensitive === true ? normalised : lower;
    findings.push(
      ...scan(haystack, signal.pattern, (m) => ({
        detector: 'injection',
        kind: signal.kind,
        start: sameOffsets ? m.index : 0,
        end: sameOffsets ? m.index + m[0].length : text.length,
        confidence: Math.min(1, signal.weight / 60),
      })),
    );
  }
  return { score: injectionScore(findings), findings: findings.sort((a, b) => a.start - b.start) };
}
