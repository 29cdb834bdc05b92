import { entropy } from './checksums.js';
import { coveredBy, scan, type Finding } from './finding.js';

interface SecretPattern {
  kind: string;
  pattern: RegExp;
  confidence: number;
}

/** Formats with a recognisable shape; each is specific enough that a match is almost surely a live credential. */
const PATTERNS: SecretPattern[] = [
  {
    kind: 'private_key',
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    confidence: 0.99,
  },
  { kind: 'aws_access_key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, confidence: 0.97 },
  {
    kind: 'github_token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b/g,
    confidence: 0.98,
  },
  { kind: 'slack_token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, confidence: 0.97 },
  { kind: 'stripe_key', pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b/g, confidence: 0.98 },
  { kind: 'openai_key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}\b/g, confidence: 0.9 },
  { kind: 'google_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g, confidence: 0.95 },
  { kind: 'acgs_api_key', pattern: /\bacgs_[a-z0-9]{12}_[A-Za-z0-9_-]{43}\b/g, confidence: 0.99 },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}\b/g, confidence: 0.9 },
  {
    kind: 'password_assignment',
    pattern: /\b(?:password|passwd|pwd|secret|api[_-]?key|token)\s*[:=]\s*["']?[^\s"']{8,}/gi,
    confidence: 0.7,
  },
];

const CANDIDATE = /(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{32,}/g;

/** Long tokens mixing cases and digits with high entropy: unnamed keys. Hex digests (git SHAs, hashes) are excluded. */
function highEntropyToken(token: string): boolean {
  if (/^[0-9a-f]+$/i.test(token)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/].filter((regex) => regex.test(token)).length;
  return classes === 3 && entropy(token) >= 4.2;
}

export function detectSecrets(text: string): Finding[] {
  const findings = PATTERNS.flatMap(({ kind, pattern, confidence }) =>
    scan(text, pattern, (m) => ({ detector: 'secrets', kind, start: m.index, end: m.index + m[0].length, confidence })),
  );
  const covered = coveredBy(findings, true);
  const unnamed = scan(text, CANDIDATE, (m) =>
    highEntropyToken(m[0]) && !covered(m.index, m.index + m[0].length)
      ? { detector: 'secrets', kind: 'high_entropy_token', start: m.index, end: m.index + m[0].length, confidence: 0.6 }
      : null,
  );
  return [...findings, ...unnamed].sort((a, b) => a.start - b.start);
}
