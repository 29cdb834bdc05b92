import { createHash } from 'node:crypto';

// An independent reference written straight from RFC 9162 §2.1 (recursive definitions over the leaf data), sharing
// no code with src/domain/audit or the console: MTH, PATH and PROOF.
export const sha = (...parts: Buffer[]) => parts.reduce((h, part) => h.update(part), createHash('sha256')).digest();
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);

/** The reference over one data set; MTH results are memoised by range so exhaustive checks stay fast. */
export function reference(d: readonly Buffer[]) {
  const memo = new Map<string, Buffer>();
  const mth = (start: number, end: number): Buffer => {
    const key = `${start}:${end}`;
    let hash = memo.get(key);
    if (hash === undefined) {
      const n = end - start;
      if (n === 0) hash = sha();
      else if (n === 1) hash = sha(Buffer.from([0]), d[start]!);
      else hash = sha(Buffer.from([1]), mth(start, start + k(n)), mth(start + k(n), end));
      memo.set(key, hash);
    }
    return hash;
  };
  const path = (m: number, start: number, end: number): Buffer[] => {
    const n = end - start;
    if (n <= 1) return [];
    const split = start + k(n);
    return m < k(n) ? [...path(m, start, split), mth(split, end)] : [...path(m - k(n), split, end), mth(start, split)];
  };
  const subproof = (m: number, start: number, end: number, b: boolean): Buffer[] => {
    const n = end - start;
    if (m === n) return b ? [] : [mth(start, end)];
    const split = start + k(n);
    return m <= k(n)
      ? [...subproof(m, start, split, b), mth(split, end)]
      : [...subproof(m - k(n), split, end, false), mth(start, split)];
  };
  return {
    root: (size: number) => mth(0, size),
    leaf: (index: number) => mth(index, index + 1),
    path: (m: number, size: number) => path(m, 0, size),
    proof: (m: number, size: number) => subproof(m, 0, size, true),
  };
}

export const entries = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`entry-${i}`));
