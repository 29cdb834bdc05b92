import type { Finding } from './finding.js';

export interface Redaction {
  content: string;
  spans: { start: number; end: number; kind: string }[];
}

/** Whether redaction removes what a finding found: personal data and secrets (other findings are judged, not cut). */
export const isRedactable = (finding: Finding): boolean => finding.detector === 'pii' || finding.detector === 'secrets';

/** Replaces each finding's span with [REDACTED:<kind>], merging overlapping spans (the first kind names the merge). */
export function redact(content: string, findings: readonly Finding[]): Redaction {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: { start: number; end: number; kind: string }[] = [];
  for (const finding of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && finding.start < last.end) last.end = Math.max(last.end, finding.end);
    else merged.push({ start: finding.start, end: finding.end, kind: finding.kind });
  }
  let output = '';
  let cursor = 0;
  for (const span of merged) {
    output += `${content.slice(cursor, span.start)}[REDACTED:${span.kind}]`;
    cursor = span.end;
  }
  return { content: output + content.slice(cursor), spans: merged };
}
