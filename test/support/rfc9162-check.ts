import { createHash } from 'node:crypto';

/**
 * The independent inclusion check of docs/audit.md, written from RFC 9162 §2.1.3.2 without the production code:
 * recompute the root from the leaf data and the audit path, then compare.
 */
export function checkInclusion(
  leafData: string,
  index: number,
  treeSize: number,
  auditPath: string[],
  rootHex: string,
): boolean {
  const h = (...parts: Buffer[]) => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest();
  let r = h(Buffer.from([0]), Buffer.from(leafData, 'utf8'));
  let fn = index;
  let sn = treeSize - 1;
  for (const hexNode of auditPath) {
    const p = Buffer.from(hexNode, 'hex');
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = h(Buffer.from([1]), p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else {
      r = h(Buffer.from([1]), r, p);
    }
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && r.toString('hex') === rootHex;
}
