import type { Finding } from './finding.js';
import { commandsRisk, detectCommands } from './commands.js';
import { detectInjection, injectionScore } from './injection.js';
import { detectKeywords, type CompiledKeywordList } from './keywords.js';
import { detectPii } from './pii.js';
import { detectSecrets } from './secrets.js';

/** Context attributes the detectors own; they feed the Cedar context record. */
export interface DetectedContext {
  pii: string[];
  secrets: boolean;
  injection_score: number;
  keyword_lists: string[];
  /** Risk raised by destructive commands in the content (0 when none). */
  risk: number;
}

export interface DetectionResult {
  findings: Finding[];
  context: DetectedContext;
  /** Microseconds each detector took, for the detector timing metrics. */
  timings_us: Record<'pii' | 'secrets' | 'injection' | 'keywords' | 'commands', number>;
}

/** What a decision is made on: findings and their context, timed when the detectors ran for it (not when gathered). */
export type Detection = Omit<DetectionResult, 'timings_us'> & { timings_us?: DetectionResult['timings_us'] };

function timed<T>(work: () => T): [T, number] {
  const started = process.hrtime.bigint();
  const result = work();
  return [result, Number(process.hrtime.bigint() - started) / 1000];
}

/**
 * The context attributes findings amount to: the same whether the findings came from one scan of the whole content or
 * were gathered scan by scan as it streamed.
 */
export function detectedContext(findings: readonly Finding[]): DetectedContext {
  const kinds = (detector: Finding['detector']) =>
    [...new Set(findings.filter((finding) => finding.detector === detector).map((finding) => finding.kind))].sort();
  return {
    pii: kinds('pii'),
    secrets: findings.some((finding) => finding.detector === 'secrets'),
    injection_score: injectionScore(findings),
    keyword_lists: kinds('keywords'),
    risk: commandsRisk(findings),
  };
}

/** Runs every detector on content and derives the context attributes they own. */
export function runDetectors(content: string, keywordLists: readonly CompiledKeywordList[] = []): DetectionResult {
  const [pii, piiUs] = timed(() => detectPii(content));
  const [secrets, secretsUs] = timed(() => detectSecrets(content));
  const [injection, injectionUs] = timed(() => detectInjection(content));
  const [keywords, keywordsUs] = timed(() => detectKeywords(content, keywordLists));
  const [commands, commandsUs] = timed(() => detectCommands(content));
  const findings = [...pii, ...secrets, ...injection.findings, ...keywords, ...commands.findings].sort(
    (a, b) => a.start - b.start || a.detector.localeCompare(b.detector),
  );
  return {
    findings,
    context: detectedContext(findings),
    timings_us: { pii: piiUs, secrets: secretsUs, injection: injectionUs, keywords: keywordsUs, commands: commandsUs },
  };
}
