/**
 * Errors: RFC 9457 problem+json, one error-code table (code -> HTTP status, title, type URI),
 * and the mapping from a zod error to the `errors: [{path, message}]` of a validation problem.
 */
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Problem `type` URIs are `urn:secret-api:problem:<code>` (stable, not dereferenceable). */
export const PROBLEM_TYPE_PREFIX = 'urn:secret-api:problem:';

/** The single table of error codes. Add codes here; never change an existing status or type. */
export const ERROR_TABLE = {
  validation: { status: 400, title: 'Request validation failed' },
  bad_request: { status: 400, title: 'Malformed request' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  vault_drift: { status: 409, title: 'Vault no longer has an object the Secret API created' },
  cas_mismatch: { status: 409, title: 'Version check failed' },
  /** Another request is changing the same secret key right now: retry after `Retry-After` seconds. */
  secret_busy: { status: 409, title: 'Secret busy' },
  /**
   * The request's If-Match names no current entity tag of the resource (RFC 9110 §13.1.1): it changed since the
   * caller read it, or the header is not one it could match. Nothing was changed: read again, re-apply, resend.
   */
  precondition_failed: { status: 412, title: 'Precondition failed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  /** The request line or headers are larger than the server reads (Node's 16 KiB). */
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal server error' },
  vault_unavailable: { status: 503, title: 'Vault unavailable' },
  database_unavailable: { status: 503, title: 'Database unavailable' },
  issuer_unavailable: { status: 503, title: 'Token issuer unavailable' },
  groups_unavailable: { status: 503, title: 'Group directory unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type TErrorCode = keyof typeof ERROR_TABLE;
export const ERROR_CODES = Object.keys(ERROR_TABLE) as TErrorCode[];
export const ZErrorCode = z.enum(ERROR_CODES as [TErrorCode, ...TErrorCode[]]);

/** The HTTP status of an error code. */
export function errorStatus(code: TErrorCode): number {
  return ERROR_TABLE[code].status;
}

/** The problem `type` URI of an error code. */
export function errorType(code: TErrorCode): string {
  return PROBLEM_TYPE_PREFIX + code;
}

/** The error code named by a problem's `type`, if it is one of ours. */
export function errorCodeFromType(type: string): TErrorCode | undefined {
  if (!type.startsWith(PROBLEM_TYPE_PREFIX)) return undefined;
  const code = type.slice(PROBLEM_TYPE_PREFIX.length);
  return Object.hasOwn(ERROR_TABLE, code) ? (code as TErrorCode) : undefined;
}

export const ZProblemFieldError = z.object({
  /** JSON-pointer-like path of the offending field, e.g. `/body/ownerGroups/0` (`""` is the whole input). */
  path: z.string().max(1024),
  message: z.string().max(1024),
});
export type TProblemFieldError = z.infer<typeof ZProblemFieldError>;

/** RFC 9457 problem details. Unknown members are stripped when parsed. */
export const ZProblem = z.object({
  type: z.string().min(1).max(256),
  title: z.string().max(256),
  status: z.number().int().min(400).max(599),
  detail: z.string().max(4096),
  instance: z.string().max(2048).optional(),
  requestId: z.string().max(128).optional(),
  errors: z.array(ZProblemFieldError).max(100).optional(),
});
export type TProblem = z.infer<typeof ZProblem>;

/** Builds a problem for an error code; status, title and type come from {@link ERROR_TABLE}. */
export function problem(
  code: TErrorCode,
  detail: string,
  extra: { instance?: string; requestId?: string; errors?: TProblemFieldError[] } = {},
): TProblem {
  const { status, title } = ERROR_TABLE[code];
  return { type: errorType(code), title, status, detail, ...extra };
}

/** Escapes one JSON-pointer segment (RFC 6901). */
function pointerSegment(segment: PropertyKey): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Turns a path into a JSON pointer, with an optional prefix such as `/body`. */
export function toPointer(path: readonly PropertyKey[], prefix = ''): string {
  return prefix + path.map((s) => '/' + pointerSegment(s)).join('');
}

/**
 * Turns a zod error into `errors: [{path, message}]`, one per field: zod runs every check of a field even after one
 * failed (a too-long name also fails its pattern, a malformed time also its range), and the first says what is
 * wrong. An unknown key is reported at its own path (`/body/extra`) so the field is named; `prefix` says which part
 * of the request was parsed.
 */
export function zodErrorToProblemErrors(error: z.ZodError, prefix = ''): TProblemFieldError[] {
  const byPath = new Map<string, string>();
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = toPointer([...issue.path, key], prefix);
        if (!byPath.has(path)) byPath.set(path, `unknown field '${key}'`);
      }
    } else {
      const path = toPointer(issue.path, prefix);
      if (!byPath.has(path)) byPath.set(path, issue.message);
    }
  }
  return [...byPath].slice(0, 100).map(([path, message]) => ({ path, message }));
}

/** A 400 validation problem for a zod error. */
export function validationProblem(
  error: z.ZodError,
  opts: { prefix?: string; instance?: string; requestId?: string } = {},
): TProblem {
  const errors = zodErrorToProblemErrors(error, opts.prefix);
  const detail =
    errors.length === 1 && errors[0]
      ? `${errors[0].path || 'request'}: ${errors[0].message}`
      : `${errors.length} fields are invalid`;
  const extra: { instance?: string; requestId?: string; errors: TProblemFieldError[] } = { errors };
  if (opts.instance !== undefined) extra.instance = opts.instance;
  if (opts.requestId !== undefined) extra.requestId = opts.requestId;
  return problem('validation', detail, extra);
}

/** Client side: re-parses an error body; undefined when it is not a problem document. */
export function parseProblem(body: unknown): TProblem | undefined {
  const result = ZProblem.safeParse(body);
  return result.success ? result.data : undefined;
}
