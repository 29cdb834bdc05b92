/**
 * RFC 8785 (JSON Canonicalization Scheme), written here rather than shared with the server so the browser's hash
 * checks do not trust the server's own code: object keys sorted by UTF-16 code units, no whitespace, numbers and
 * strings as ECMAScript's JSON.stringify writes them (which is what §3.2.2 prescribes).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('RFC 8785 has no representation for NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    // Default sort compares UTF-16 code units, as §3.2.3 requires.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  throw new Error(`not JSON: ${typeof value}`);
}
