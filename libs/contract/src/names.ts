/**
 * Name schemas reused by every route, the API and the CLI.
 *
 * Every name here ends up in a Vault path, a policy or a log line, so each is a
 * narrow allow-list with a bounded length; messages name the kind of value so a
 * 400 says which field is wrong and why.
 */
import {
  InvalidNameError,
  NAME_MAX_LENGTH,
  RESERVED_APP_NAMES,
  parseClusterName,
  validateAppName,
  validateCloudName,
  validateEnvName,
} from '@secret-api/vault-policy';
import { z } from 'zod';

export { RESERVED_APP_NAMES };

/** What `validate` says is wrong with `value`, or undefined when it is a valid name. */
function invalidity(validate: (value: unknown) => unknown, value: unknown): string | undefined {
  try {
    validate(value);
    return undefined;
  } catch (err) {
    if (!(err instanceof InvalidNameError)) throw err;
    return err.message;
  }
}

/**
 * A string schema whose rule is one of vault-policy's validators: the names the API and the CLI
 * accept are exactly the names the Vault objects can be built from (one rule, one home). A
 * `refine` whose message is asked for only on failure, not a `superRefine`: zod gives each
 * superRefine call a fresh `addIssue` closure on its payload, and on the API's request path those
 * outlived the young generation (bench/README.md, "Issue 15, session 7").
 */
function validatedName(kind: string, max: number, validate: (value: unknown) => unknown) {
  return z
    .string({ error: `${kind} must be a string` })
    .max(max, `${kind} must be at most ${max} characters`)
    .refine((value) => invalidity(validate, value) === undefined, {
      error: (issue) => invalidity(validate, issue.input),
    });
}

/** App name: `[a-z0-9-]`, 1–63, no leading/trailing `-`, not one of {@link RESERVED_APP_NAMES}. */
export const ZAppName = validatedName('app name', NAME_MAX_LENGTH, validateAppName);
export type TAppName = z.infer<typeof ZAppName>;

/** Cloud part of a cluster name (e.g. `aws`). */
export const ZCloudName = validatedName('cloud name', NAME_MAX_LENGTH, validateCloudName);
export type TCloudName = z.infer<typeof ZCloudName>;

/** Environment part of a cluster name (e.g. `stg`). */
export const ZEnvName = validatedName('environment name', NAME_MAX_LENGTH, validateEnvName);
export type TEnvName = z.infer<typeof ZEnvName>;

/** Cluster name `<cloud>.<env>`, each part a label. */
export const ZClusterName = validatedName('cluster name', 2 * NAME_MAX_LENGTH + 1, parseClusterName);
export type TClusterName = z.infer<typeof ZClusterName>;

/** Splits a valid cluster name into its parts. */
export function splitClusterName(name: TClusterName): { cloud: string; env: string } {
  const dot = name.indexOf('.');
  return { cloud: name.slice(0, dot), env: name.slice(dot + 1) };
}

/**
 * Secret key: `[A-Za-z_][A-Za-z0-9_]*`, 1–128 characters.
 *
 * Keys become a Vault path segment (`<mount>/data/<app>/<KEY>`) and, in the pod, environment
 * variable names; this charset is safe for both: no `/`, no `.` (so never `..`), no spaces.
 */
export const SECRET_KEY_MAX = 128;
export const ZSecretKey = z
  .string({ error: 'secret key must be a string' })
  .min(1, 'secret key must not be empty')
  .max(SECRET_KEY_MAX, `secret key must be at most ${SECRET_KEY_MAX} characters`)
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'secret key may contain only letters, digits and _, and may not start with a digit',
  );
export type TSecretKey = z.infer<typeof ZSecretKey>;

/** Largest secret value, in UTF-8 bytes (and characters). */
export const SECRET_VALUE_MAX_BYTES = 65_536;
const utf8 = new TextEncoder();
/** Secret value: any string up to {@link SECRET_VALUE_MAX_BYTES} UTF-8 bytes. Only ever in a request, or a reveal. */
export const ZSecretValue = z
  .string({ error: 'secret value must be a string' })
  .max(SECRET_VALUE_MAX_BYTES, `secret value must be at most ${SECRET_VALUE_MAX_BYTES} bytes`)
  .refine((v) => utf8.encode(v).length <= SECRET_VALUE_MAX_BYTES, {
    error: `secret value must be at most ${SECRET_VALUE_MAX_BYTES} bytes`,
  });
export type TSecretValue = z.infer<typeof ZSecretValue>;

/** Printable ASCII without spaces or control characters. */
const PRINTABLE = /^[\x21-\x7e]+$/;
/** Printable ASCII without spaces, and without `*` (a literal subject or group). */
const PRINTABLE_NO_GLOB = /^[\x21-\x29\x2b-\x7e]+$/;

/** Group name as found in the JWT groups claim: printable ASCII, no `*`, inner spaces only, 1–256. */
export const ZGroupName = z
  .string({ error: 'group name must be a string' })
  .min(1, 'group name must not be empty')
  .max(256, 'group name must be at most 256 characters')
  .regex(
    /^[\x21-\x29\x2b-\x7e](?:[\x20-\x29\x2b-\x7e]*[\x21-\x29\x2b-\x7e])?$/,
    "group name may contain only printable ASCII characters other than '*', and no leading or trailing space",
  );
export type TGroupName = z.infer<typeof ZGroupName>;

/** A JWT subject (e.g. a controller's subject): printable ASCII, no spaces, no `*`, 1–512. */
export const ZSubject = z
  .string({ error: 'subject must be a string' })
  .min(1, 'subject must not be empty')
  .max(512, 'subject must be at most 512 characters')
  .regex(PRINTABLE_NO_GLOB, "subject may contain only printable ASCII characters other than space and '*'");
export type TSubject = z.infer<typeof ZSubject>;

/** Enough for any real CI subject shape; bounds the matcher's work together with the length. */
export const MAX_PATTERN_STARS = 16;

/** Deployer subject pattern: printable ASCII, no spaces, `*` matches any run of characters, 1–512. */
export const ZSubjectPattern = z
  .string({ error: 'subject pattern must be a string' })
  .min(1, 'subject pattern must not be empty')
  .max(512, 'subject pattern must be at most 512 characters')
  .regex(PRINTABLE, 'subject pattern may contain only printable ASCII characters other than space')
  .refine((p) => p.split('*').length - 1 <= MAX_PATTERN_STARS, {
    error: `subject pattern may contain at most ${MAX_PATTERN_STARS} '*'`,
  });
export type TSubjectPattern = z.infer<typeof ZSubjectPattern>;

/** An actor as reported in responses (a subject, or `system` for repairs): any bounded string. */
export const ZActor = z.string().max(1024);
export type TActor = z.infer<typeof ZActor>;

/** ISO-8601 timestamp with `Z` or an offset, e.g. `2026-01-02T03:04:05.000Z`. */
export const ZTimestamp = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 timestamp' });
export type TTimestamp = z.infer<typeof ZTimestamp>;

/** The instants a query may name: what the database's timestamptz and JavaScript's Date both represent exactly. */
const MIN_QUERY_TIME = Date.UTC(1970, 0, 1);
const MAX_QUERY_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A timestamp in a query (`?since=`): ISO-8601, from 1970 to 9999. */
export const ZQueryTimestamp = ZTimestamp.refine(
  (value) => {
    const t = Date.parse(value);
    return Number.isFinite(t) && t >= MIN_QUERY_TIME && t <= MAX_QUERY_TIME;
  },
  { error: 'must be a time between 1970-01-01 and 9999-12-31' },
);

/** A secret version number (KV v2 versions start at 1). */
// The range first: 9007199254740993 is "too large", not "not an integer" (beyond 2^53 no number is safely one).
export const ZVersion = z
  .number({ error: 'version must be a number' })
  .max(2_147_483_647, 'version is too large')
  .min(1, 'version must be at least 1')
  .int('version must be an integer');
export type TVersion = z.infer<typeof ZVersion>;

/**
 * Free-text comment on a change: at most 1024 characters, shown in history and audit views as written, so nothing
 * that changes how the text around it displays: no C0 or C1 control characters, no line or paragraph separators
 * (U+2028, U+2029) and no bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E,
 * U+2066–U+2069: a right-to-left override makes "gpj.exe" read "exe.jpg").
 */
export const ZComment = z
  .string({ error: 'comment must be a string' })
  .max(1024, 'comment must be at most 1024 characters')
  .regex(
    // Matching control characters is the point of this pattern.
    // eslint-disable-next-line no-control-regex
    /^[^\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]*$/,
    'comment must not contain control, line-separator or bidirectional-formatting characters',
  );
export type TComment = z.infer<typeof ZComment>;

/** An opaque pagination cursor. */
export const ZCursor = z
  .string({ error: 'cursor must be given once, as a string' })
  .min(1, 'cursor must not be empty')
  .max(512, 'cursor must be at most 512 characters')
  .regex(/^[A-Za-z0-9_=-]+$/, 'cursor is malformed');
export type TCursor = z.infer<typeof ZCursor>;

/** A list of unique items, bounded in size. */
export function uniqueList<T extends z.ZodType<string>>(item: T, field: string, opts: { min?: number; max: number }) {
  const min = opts.min ?? 0;
  return z
    .array(item, { error: `${field} must be an array` })
    .min(min, `${field} must have at least ${min} item${min === 1 ? '' : 's'}`)
    .max(opts.max, `${field} must have at most ${opts.max} items`)
    .refine((items) => new Set(items).size === items.length, { error: `${field} must not contain duplicates` });
}

/** Query-string integer (`?version=3`): decimal digits, turned into a number. */
export function queryInt(field: string, max: number) {
  return (
    z
      // A query parameter is a string unless it is repeated (`?limit=1&limit=2` parses as a list).
      .string({ error: `${field} must be given once` })
      .regex(/^[1-9][0-9]{0,9}$/, `${field} must be a positive integer`)
      .transform(Number)
      .refine((n) => n <= max, { error: `${field} must be at most ${max}` })
  );
}

/** Query-string boolean: exactly `true` or `false`. */
export function queryBool(field: string) {
  return z.enum(['true', 'false'], { error: `${field} must be true or false` }).transform((v) => v === 'true');
}

/** The envelope of every list response. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: ZCursor.optional() });
}
