/**
 * Why a string cannot be kept faithfully: PostgreSQL text and jsonb reject NUL, and a lone UTF-16 surrogate has no
 * UTF-8 form (it is stored as U+FFFD, so whatever was hashed or decided on is not what was kept). Null if fine.
 */
export function unstorableReason(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  // Well-formed text pairs every high surrogate with a low one; anything else is a lone surrogate.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text))
    return 'contains a lone UTF-16 surrogate';
  return null;
}

/** The first string (key or value) anywhere in `value` that cannot be stored, with its JSON path. */
export function findUnstorableString(value: unknown, path: string): { path: string; reason: string } | null {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason === null ? null : { path, reason };
  }
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableString(item, `${path}[${index}]`);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyReason = unstorableReason(key);
    if (keyReason !== null) return { path: `${path} (a key)`, reason: keyReason };
    const found = findUnstorableString(item, `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}
