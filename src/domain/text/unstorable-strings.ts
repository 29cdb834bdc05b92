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

/**
 * How deep JSON from outside may nest. Far beyond any document of ours (a policy JSON AST is the deepest, about 20),
 * far below the depth at which recursive code (validation, canonical JSON, Cedar) runs out of stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Something in a JSON value the platform will not take, where it is, and the error code that says so. */
export interface Unacceptable {
  path: string;
  reason: string;
  code: 'INVALID_STRING' | 'INVALID_NUMBER' | 'JSON_TOO_DEEP';
}

/**
 * The first thing anywhere in `value` (in document order) that cannot be kept or canonicalised: a string (key or
 * value) that cannot be stored, a number that is not finite (JSON's 1e400 parses as Infinity, which has no JSON
 * form), or nesting deeper than MAX_JSON_DEPTH. Iterative, so the check itself never runs out of stack.
 */
export function findUnacceptable(value: unknown, root: string): Unacceptable | null {
  const stack: { value: unknown; path: string; depth: number; key?: string }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next.key !== undefined) {
      const reason = unstorableReason(next.key);
      if (reason !== null) return { path: `${next.path} (a key)`, reason, code: 'INVALID_STRING' };
      continue;
    }
    const { value: item, path, depth } = next;
    if (typeof item === 'string') {
      const reason = unstorableReason(item);
      if (reason !== null) return { path, reason, code: 'INVALID_STRING' };
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item))
        return { path, reason: 'is not a finite number (JSON numbers must fit a double)', code: 'INVALID_NUMBER' };
    } else if (typeof item === 'object' && item !== null) {
      if (depth >= MAX_JSON_DEPTH)
        return { path, reason: `nests deeper than ${MAX_JSON_DEPTH} levels`, code: 'JSON_TOO_DEEP' };
      const children: { value: unknown; path: string; depth: number; key?: string }[] = [];
      if (Array.isArray(item))
        item.forEach((child, index) => children.push({ value: child, path: `${path}[${index}]`, depth: depth + 1 }));
      else
        for (const [key, child] of Object.entries(item)) {
          children.push({ value: undefined, path, depth, key });
          children.push({ value: child, path: `${path}.${key}`, depth: depth + 1 });
        }
      for (let index = children.length - 1; index >= 0; index -= 1) stack.push(children[index]!);
    }
  }
  return null;
}
