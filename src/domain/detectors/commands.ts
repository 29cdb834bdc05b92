import { scan, type Finding } from './finding.js';

interface CommandPattern {
  kind: string;
  pattern: RegExp;
  confidence: number;
  /** The risk (0–100) a match gives the request: a tool call this destructive needs a person whatever it claims. */
  risk: number;
}

/**
 * Commands and statements that destroy data, run code fetched from the network or reach for credentials. Arguments
 * are serialised JSON, so quotes and escapes around a command are allowed for; matches are case-insensitive where
 * the language is (SQL), exact where it is not (shell). The gap between a command and what makes it destructive is
 * at most 200 characters: an unbounded `.*` would rescan the rest of the line from every occurrence of the command
 * word, quadratic in a line that repeats it.
 */
const PATTERNS: readonly CommandPattern[] = [
  {
    kind: 'recursive_delete',
    // rm with a recursive flag in any spelling (-r, -R, -rf, -fr, --recursive), or find … -delete.
    pattern: /\brm\s+(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\b|\bfind\s+\S+[^\n]{0,200}?\s-delete\b/g,
    confidence: 0.95,
    risk: 95,
  },
  {
    kind: 'sql_destructive',
    pattern: /\b(?:DROP\s+(?:TABLE|DATABASE|SCHEMA)|TRUNCATE\s+(?:TABLE\s+)?\w|DELETE\s+FROM\s+\w+\s*(?:;|"|$))/gi,
    confidence: 0.9,
    risk: 90,
  },
  {
    kind: 'pipe_to_shell',
    pattern: /\b(?:curl|wget)\b[^|;\n]{0,200}\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b/g,
    confidence: 0.95,
    risk: 95,
  },
  {
    kind: 'disk_overwrite',
    pattern: /\b(?:mkfs(?:\.\w+)?\s|dd\s+[^\n]{0,200}\bof=\/dev\/|shred\s)|>\s*\/dev\/sd[a-z]/g,
    confidence: 0.95,
    risk: 95,
  },
  {
    kind: 'credential_path',
    // Dot-folders of credentials under a home, the system's password files, and dotenv files as a path component.
    pattern:
      /(?:~|\/home\/[^/\s"]+|\/root)\/\.(?:ssh|aws|gnupg|kube|docker)\b|\/etc\/(?:shadow|sudoers)\b|(?<=^|[\s"'/=])\.env(?:\.[a-z]+)?(?=$|[\s"'])/g,
    confidence: 0.8,
    risk: 80,
  },
  {
    kind: 'permission_change',
    pattern: /\bchmod\s+(?:-R\s+)?(?:0?777|a\+rwx)\b|\bchown\s+-R\s+\S+\s+\/(?:\s|"|$)/g,
    confidence: 0.8,
    risk: 75,
  },
];

export interface CommandDetection {
  findings: Finding[];
  /** The highest risk any match carries, 0 when nothing matched. */
  risk: number;
}

/** The risk each kind of command gives a request. */
const RISKS = new Map(PATTERNS.map((entry) => [entry.kind, entry.risk]));

/** The highest risk command findings carry, 0 when there are none. Findings of other detectors count for nothing. */
export function commandsRisk(findings: readonly Finding[]): number {
  let risk = 0;
  for (const finding of findings)
    if (finding.detector === 'commands') risk = Math.max(risk, RISKS.get(finding.kind) ?? 0);
  return risk;
}

/** Finds destructive commands in content (typically a tool call's serialised arguments). */
export function detectCommands(text: string): CommandDetection {
  const findings = PATTERNS.flatMap((entry) =>
    scan(text, entry.pattern, (match) => ({
      detector: 'commands',
      kind: entry.kind,
      start: match.index,
      end: match.index + match[0].length,
      confidence: entry.confidence,
    })),
  );
  return { findings: findings.sort((a, b) => a.start - b.start), risk: commandsRisk(findings) };
}
