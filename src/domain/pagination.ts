import { ValidationError } from './errors.js';

/** One page of a list read in key order; `next_cursor` (opaque) asks for the page after it, null on the last. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Keyset pagination, the one way every list is paged: the store is asked for one row more than the page holds, the
 * extra row says another page exists, and the key of the page's last item is the next cursor. No offsets, so a page
 * costs the same at any depth and rows added meanwhile neither repeat nor vanish.
 */
export async function keysetPage<T>(
  limit: number,
  fetch: (rows: number) => Promise<readonly T[]>,
  cursorOf: (last: T) => string,
): Promise<Page<T>> {
  const rows = await fetch(limit + 1);
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? cursorOf(items[items.length - 1]!) : null };
}

/** The position after an item in a list ordered by (created_at, id), newest first. */
export interface CreatedAtId {
  createdAt: string;
  id: string;
}

const UUID = /^[0-9a-f-]{36}$/;

/** Cursors of (created_at, id) lists: opaque to clients, checked when they come back. */
export const createdAtIdCursor = {
  encode(createdAt: Date | string, id: string): string {
    const time = typeof createdAt === 'string' ? createdAt : createdAt.toISOString();
    return Buffer.from(`${time}|${id}`).toString('base64url');
  },
  /** Undefined for no cursor; a cursor this API did not issue is refused (400 INVALID_CURSOR). */
  decode(cursor: string | undefined): CreatedAtId | undefined {
    if (cursor === undefined) return undefined;
    const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
    if (createdAt === undefined || id === undefined || Number.isNaN(Date.parse(createdAt)) || !UUID.test(id))
      throw new ValidationError('cursor is not one this API issued', 'INVALID_CURSOR');
    return { createdAt, id };
  },
};
