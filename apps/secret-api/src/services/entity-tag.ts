/**
 * Entity tags and the If-Match and If-None-Match preconditions (RFC 9110 §8.8.3, §13.1.1, §13.1.2), so that a read-modify-write client (two CI
 * pipelines each adding a deployer) cannot overwrite a change it never saw. Shared by the app and cluster edits.
 *
 * The tag is derived from the resource's state rather than stored: no schema change, no counter to keep in step,
 * and it changes exactly when the state does (an edit back to an earlier state gives the earlier tag again, which
 * is right: the client's view is then current).
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../http/api-error.js';

/** 128 bits of SHA-256: collisions between two states of one resource are not a practical concern. */
const TAG_BYTES = 16;

/**
 * A strong entity tag for a state given as a JSON-serialisable array (fixed element order, so the same state always
 * serialises the same way).
 */
export function strongEntityTag(state: readonly unknown[]): string {
  const digest = createHash('sha256').update(JSON.stringify(state)).digest().subarray(0, TAG_BYTES);
  return `"${digest.toString('base64url')}"`;
}

/** One entity tag of an If-Match list; `opaque` keeps its quotes, as an ETag field carries them. */
interface ListedTag {
  weak: boolean;
  opaque: string;
}

/** `*`, a list of entity tags, or undefined when the value is neither (RFC 9110 `"*" / #entity-tag`, both fields). */
export function parseIfMatch(value: string): '*' | ListedTag[] | undefined {
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const tags: ListedTag[] = [];
  let i = 0;
  for (;;) {
    // Empty list elements (`"a", , "b"`) are allowed and ignored by the #rule.
    while (i < trimmed.length && (trimmed[i] === ',' || trimmed[i] === ' ' || trimmed[i] === '\t')) i++;
    if (i >= trimmed.length) break;
    const weak = trimmed.startsWith('W/', i);
    if (weak) i += 2;
    if (trimmed[i] !== '"') return undefined;
    const close = trimmed.indexOf('"', i + 1);
    if (close < 0) return undefined;
    const opaque = trimmed.slice(i, close + 1);
    if (!ETAG_CHARS.test(opaque.slice(1, -1))) return undefined;
    tags.push({ weak, opaque });
    i = close + 1;
    while (i < trimmed.length && (trimmed[i] === ' ' || trimmed[i] === '\t')) i++;
    if (i < trimmed.length && trimmed[i] !== ',') return undefined;
  }
  return tags.length > 0 ? tags : undefined;
}

/** etagc = %x21 / %x23-7E / obs-text (Node hands header bytes over as latin1 characters). */
const ETAG_CHARS = /^[\x21\x23-\x7e\x80-\xff]*$/;

/**
 * Refuses (412) a change whose If-Match does not name `current`, the resource's tag as it is now under the row lock.
 * No header: no condition. If-Match uses the strong comparison, so a weak tag never matches. A value that is not
 * `*` or an entity-tag list cannot be shown to match either: refused the same way, never applied.
 */
export function requireIfMatch(ifMatch: string | undefined, current: string, what: string): void {
  if (ifMatch === undefined) return;
  const parsed = parseIfMatch(ifMatch);
  if (parsed === '*') return;
  if (parsed === undefined) {
    throw new ApiError(
      'precondition_failed',
      `If-Match must be '*' or a list of entity tags such as "abc"; nothing was changed in ${what}`,
    );
  }
  if (parsed.some((tag) => !tag.weak && tag.opaque === current)) return;
  const onlyWeak = parsed.every((tag) => tag.weak);
  throw new ApiError(
    'precondition_failed',
    onlyWeak
      ? `If-Match gave only weak entity tags (W/"…"), which never match (RFC 9110 strong comparison); nothing was changed in ${what}`
      : `${what} changed since the ETag you sent was issued; nothing was changed: read it again and re-apply your edit`,
  );
}

/**
 * Refuses (412) a change whose If-None-Match names `current` (weak comparison) or is `*`: the resource exists, as
 * it does whenever a change reaches this check. A value that is not `*` or an entity-tag list is refused too.
 */
export function requireIfNoneMatch(ifNoneMatch: string | undefined, current: string, what: string): void {
  if (ifNoneMatch === undefined) return;
  const parsed = parseIfMatch(ifNoneMatch);
  if (parsed === undefined) {
    throw new ApiError(
      'precondition_failed',
      `If-None-Match must be '*' or a list of entity tags such as "abc"; nothing was changed in ${what}`,
    );
  }
  if (parsed === '*') {
    throw new ApiError(
      'precondition_failed',
      `If-None-Match: * asks that ${what} not exist, and it does; nothing was changed`,
    );
  }
  if (parsed.some((tag) => tag.opaque === current)) {
    throw new ApiError('precondition_failed', `${what} still has an ETag If-None-Match names; nothing was changed`);
  }
}

/** The request's preconditions, in RFC 9110 §13.2.2's order: If-Match, then If-None-Match. */
export interface Preconditions {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}

export function requirePreconditions(given: Preconditions, current: string, what: string): void {
  requireIfMatch(given.ifMatch, current, what);
  requireIfNoneMatch(given.ifNoneMatch, current, what);
}

/**
 * Bounds of the transaction that locks a row, compares If-Match and writes. Prisma's defaults (2 s to get a connection)
 * would turn a busy pool into 503s that a plain update never gave; the row lock itself is held for two statements only.
 */
export const LOCKED_EDIT_BOUNDS = { maxWait: 10_000, timeout: 10_000 };
