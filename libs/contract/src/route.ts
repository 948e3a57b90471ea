/** The shape of one route's contract: every route declares params, query, body and responses. */
import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContract {
  /** Unique operation id (OpenAPI `operationId`). */
  readonly id: string;
  readonly method: HttpMethod;
  /** Express-style path, e.g. `/v1/apps/:app`. */
  readonly path: string;
  readonly summary: string;
  /** OpenAPI tag (the resource). */
  readonly tag: string;
  /** Who may call it, for docs. */
  readonly roles: string;
  /** false for the unauthenticated operational routes. */
  readonly auth: boolean;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** false when the body may be omitted (an empty body parses as `{}`). */
  readonly bodyRequired?: boolean;
  /** Success responses by status; `null` means no content. */
  readonly responses: Readonly<Record<number, z.ZodType | null>>;
  /** Content type of the success responses; default `application/json`. */
  readonly contentType?: string;
  /** Success answers carry the resource's strong ETag (RFC 9110 §8.8.3). */
  readonly etag?: boolean;
  /**
   * The change honours If-Match and If-None-Match against the resource's ETag as it is under the change's lock
   * (RFC 9110 §13.1): a request may send back the tag it read to change only the state it saw, and a precondition
   * that fails is a 412 that changes nothing. Every other change refuses both headers with 412: it has no entity
   * tag to compare, and acting as if the condition held could undo what the caller meant to protect.
   */
  readonly preconditions?: boolean;
}

/** Declares a route, keeping its literal type. */
export function route<const R extends RouteContract>(r: R): R {
  return r;
}

/** A path parameter that cannot be put in a URL as one segment meaning what it says. */
export class UnsafePathSegmentError extends Error {
  override readonly name = 'UnsafePathSegmentError';
  constructor(
    readonly param: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`path parameter '${param}' cannot be sent: ${reason}`);
  }
}

/** Percent-decoding rounds checked: a proxy or router that decodes once more must not find a dot segment either. */
const DECODE_ROUNDS = 4;
// Matching control characters is the point of this pattern.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Why a value is not a safe path segment, or undefined when it is. The WHATWG URL parser (fetch, and
 * most servers' routers) removes `.` and `..` segments, also written `%2e`, `.%2E`, ..., so
 * `/v1/apps/x/secrets/..` is sent as `/v1/apps/x`: a DELETE of a secret becomes a DELETE of the app.
 * Checked on the value and on every percent-decoding of it, then, as the last word, by the parser itself.
 */
export function unsafePathSegmentReason(value: string): string | undefined {
  if (value === '') return 'it is empty';
  let current = value;
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    const decoded = round > 0 ? ' once percent-decoded' : '';
    if (current === '.' || current === '..')
      return `it is '${current}'${decoded}, which a URL treats as a directory step`;
    if (current.includes('/') || current.includes('\\')) return `it contains '/' or '\\'${decoded}`;
    if (CONTROL.test(current)) return `it contains a control character${decoded}`;
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      break; // not valid percent-encoding: sent literally (`%` becomes `%25`), nothing more to decode
    }
    if (next === current) break;
    current = next;
  }
  const encoded = encodeURIComponent(value);
  if (new URL(`http://h/${encoded}/`).pathname !== `/${encoded}/`) return 'a URL parser would rewrite it';
  return undefined;
}

/**
 * Fills an express-style path with URL-encoded params: `/v1/apps/:app` + `{app: 'x'}` -> `/v1/apps/x`.
 * Throws {@link UnsafePathSegmentError} for a value that would not stay one segment of that path.
 */
export function buildPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter '${name}' for ${path}`);
    const reason = unsafePathSegmentReason(value);
    if (reason !== undefined) throw new UnsafePathSegmentError(name, value, reason);
    return encodeURIComponent(value);
  });
}
