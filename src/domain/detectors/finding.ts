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

/**
 * Whether a span lies inside the union of some findings: the spans are merged once and each question is a binary
 * search, so checking every match of a detector against the others stays linear-logarithmic however many there are.
 */
export function coveredBy(findings: readonly Finding[], overlapsOnly = false): (start: number, end: number) => boolean {
  const merged: { start: number; end: number }[] = [];
  for (const finding of [...findings].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last !== undefined && finding.start <= last.end) last.end = Math.max(last.end, finding.end);
    else merged.push({ start: finding.start, end: finding.end });
  }
  return (start, end) => {
    let low = 0;
    let high = merged.length - 1;
    // The last merged span starting at or before `start` (or, for overlap, before `end`).
    const edge = overlapsOnly ? end - 1 : start;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (merged[middle]!.start <= edge) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    if (found === -1) return false;
    const span = merged[found]!;
    return overlapsOnly ? span.end > start : end <= span.end;
  };
}
