/** Something a detector found in content: what, where (UTF-16 offsets, end exclusive) and how sure it is (0–1). */
export interface Finding {
  detector: 'pii' | 'secrets' | 'injection' | 'keywords' | 'commands';
  kind: string;
  start: number;
  end: number;
  confidence: number;
}

/** Runs a global regex over text and maps each match to a finding, or to nothing when check() rejects it. */
export function scan(text: string, pattern: RegExp, make: (match: RegExpExecArray) => Finding | null): Finding[] {
  const findings: Finding[] = [];
  const regex = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const finding = make(match);
    if (finding !== null) findings.push(finding);
    if (match[0].length === 0) regex.lastIndex += 1;
  }
  return findings;
}
