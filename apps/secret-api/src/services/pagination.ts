/** Keyset pagination by a unique, ordered key (a name): the cursor is the last key of the previous page. */
import { ApiError } from '../http/api-error.js';

export const DEFAULT_PAGE_SIZE = 100;

const isPrintableKey = (key: string): boolean => /^[\x21-\x7e]{1,512}$/.test(key);

/**
 * A cursor key that is a positive integer no larger than `max` (the column's range: int4 versions, int8 ids): checked
 * here so that nothing the database would refuse reaches a query.
 */
export function positiveIntegerUpTo(max: bigint): (key: string) => boolean {
  const digits = max.toString().length;
  const shape = new RegExp(`^[1-9][0-9]{0,${digits - 1}}$`);
  return (key) => shape.test(key) && BigInt(key) <= max;
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/**
 * A cursor is only ever one we issued, so its key must be one the list could have produced (`isKey`: an app
 * name, a cluster name, an event id). Anything else — a NUL byte, a number beyond the column — is refused here
 * rather than by the database.
 */
export function decodeCursor(
  cursor: string | undefined,
  isKey: (key: string) => boolean = isPrintableKey,
): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key.length === 0 || encodeCursor(key) !== cursor || !isKey(key)) {
    throw new ApiError('validation', '/query/cursor: cursor is malformed', {
      errors: [{ path: '/query/cursor', message: 'cursor is malformed' }],
    });
  }
  return key;
}

/** Given `limit + 1` rows, the page and the cursor of the next one. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => string): { items: T[]; nextCursor?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(keyOf(items[items.length - 1] as T)) };
}
