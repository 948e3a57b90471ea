import { z } from 'zod';

/** The OAuth scope the service account is granted by domain-wide delegation. Read-only, groups only. */
export const DIRECTORY_GROUP_READONLY_SCOPE = 'https://www.googleapis.com/auth/admin.directory.group.readonly';

export const GROUPS_SOURCE_DEFAULTS = {
  cacheTtlSeconds: 300,
  negativeCacheTtlSeconds: 60,
  maxCacheEntries: 10_000,
  timeoutMs: 5_000,
} as const;

const GOOGLE_DIRECTORY_FIELDS = [
  'type',
  'credentialsFile',
  'delegatedSubject',
  'domain',
  'cacheTtlSeconds',
  'negativeCacheTtlSeconds',
  'maxCacheEntries',
  'timeoutMs',
  'rootUrl',
];

const wholeNumber = (field: string, min: number, max: number) =>
  z
    .number({ error: `${field} must be a number` })
    .int(`${field} must be a whole number`)
    .min(min, `${field} must be at least ${min}`)
    .max(max, `${field} must be at most ${max}`);

/**
 * True for an https URL, or an http URL whose host is a loopback address. Plain http to anywhere else would send
 * the service account's access token (and, for a token URI, its signed assertion) across the network in clear.
 */
export function isSafeEndpoint(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

/**
 * A groups source backed by the Google Workspace Directory (Admin SDK): a service account with domain-wide
 * delegation impersonates `delegatedSubject` and lists the groups a user is a direct member of.
 */
export const ZGoogleDirectoryGroupsSource = z.strictObject(
  {
    type: z.literal('google-directory', { error: 'type must be "google-directory"' }),
    credentialsFile: z
      .string({ error: 'credentialsFile must be a string (the path of the service-account JSON key)' })
      .min(1, 'credentialsFile must not be empty')
      .max(4096, 'credentialsFile must be at most 4096 characters'),
    delegatedSubject: z
      .email({ error: 'delegatedSubject must be the email address of the Workspace admin to impersonate' })
      .max(254, 'delegatedSubject must be at most 254 characters'),
    domain: z
      .string({ error: 'domain must be a string' })
      .max(253, 'domain must be at most 253 characters')
      .regex(
        /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/,
        'domain must be a DNS domain such as "example.com" (no "@", no scheme)',
      )
      .transform((d) => d.toLowerCase())
      .optional(),
    cacheTtlSeconds: wholeNumber('cacheTtlSeconds', 1, 86_400).default(GROUPS_SOURCE_DEFAULTS.cacheTtlSeconds),
    negativeCacheTtlSeconds: wholeNumber('negativeCacheTtlSeconds', 0, 86_400).default(
      GROUPS_SOURCE_DEFAULTS.negativeCacheTtlSeconds,
    ),
    maxCacheEntries: wholeNumber('maxCacheEntries', 1, 1_000_000).default(GROUPS_SOURCE_DEFAULTS.maxCacheEntries),
    timeoutMs: wholeNumber('timeoutMs', 100, 60_000).default(GROUPS_SOURCE_DEFAULTS.timeoutMs),
    rootUrl: z
      .string({ error: 'rootUrl must be a string' })
      .max(2048, 'rootUrl must be at most 2048 characters')
      .refine(isSafeEndpoint, 'rootUrl must be an https URL (http is allowed only for 127.0.0.1, [::1] or localhost)')
      .transform((u) => (u.endsWith('/') ? u : `${u}/`))
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${GOOGLE_DIRECTORY_FIELDS.join(', ')})`
        : 'groupsSource must be an object',
  },
);

/**
 * One issuer's groups source (AUTH_ISSUERS[i].groupsSource). A union on `type` so other directories can be added
 * next to Google's without changing the shape of existing entries.
 */
export const ZGroupsSource = z.discriminatedUnion('type', [ZGoogleDirectoryGroupsSource], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `groupsSource.type must be one of: "google-directory" (got ${JSON.stringify(
          (issue.input as { type?: unknown } | undefined)?.type,
        )})`
      : 'groupsSource must be an object',
});

/** A parsed groups source (defaults applied, domain lower-cased, rootUrl ending in "/"). */
export type TGroupsSource = z.output<typeof ZGroupsSource>;
/** A groups source as written in AUTH_ISSUERS (the tuning fields may be omitted). */
export type TGroupsSourceInput = z.input<typeof ZGroupsSource>;
export type TGoogleDirectoryGroupsSource = z.output<typeof ZGoogleDirectoryGroupsSource>;
