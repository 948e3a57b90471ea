import { z } from 'zod';
import { ZGroupsSource } from './groups/index.js';

/**
 * Asymmetric JWS algorithms only. HS* is excluded on purpose: a shared secret would let anyone who
 * can verify also mint tokens, and it opens the classic "HMAC with the public key" confusion.
 */
export const ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type TAllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

const nonEmpty = (field: string, max: number) =>
  z
    .string({ error: `${field} must be a string` })
    .min(1, `${field} must not be empty`)
    .max(max, `${field} must be at most ${max} characters`);

const ISSUER_FIELDS = [
  'issuer',
  'jwksUri',
  'jwksFile',
  'jwksCaFile',
  'audience',
  'subjectPrefix',
  'groupsClaim',
  'groupsRequired',
  'groupsPrefix',
  'groupsSource',
  'algorithms',
];

/**
 * What a principal or group of an issuer starts with (Kubernetes' `claimMappings.username.prefix`
 * idea): printable ASCII without spaces or `*`, so a prefixed subject is still a valid subject.
 */
const prefix = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .max(128, `${field} must be at most 128 characters`)
    .regex(/^[\x21-\x29\x2b-\x7e]*$/, `${field} may contain only printable ASCII characters other than space and '*'`);

/** One entry of AUTH_ISSUERS: a trusted `iss`, where its public keys live, and what its tokens must carry. */
export const ZIssuerConfig = z
  .strictObject(
    {
      issuer: nonEmpty('issuer', 512),
      jwksUri: z
        .url({
          protocol: /^https?$/,
          error: 'jwksUri must be an http or https URL',
        })
        .max(2048, 'jwksUri must be at most 2048 characters')
        .optional(),
      jwksFile: nonEmpty('jwksFile', 4096).optional(),
      /**
       * PEM bundle of the CAs that may sign the jwksUri's https certificate, for an issuer behind a private CA
       * (a cluster's own API server). Replaces the system CAs for this issuer only; read and checked at start.
       */
      jwksCaFile: nonEmpty('jwksCaFile', 4096).optional(),
      audience: z.union(
        [
          nonEmpty('audience', 512),
          z
            .array(nonEmpty('audience', 512), { error: 'audience must be a string or a list of strings' })
            .min(1, 'audience list must not be empty')
            .max(32, 'audience list must have at most 32 entries'),
        ],
        { error: 'audience must be a non-empty string or a non-empty list of non-empty strings' },
      ),
      /**
       * Prepended to `sub` to make the principal that controller subjects, deployer patterns and the audit
       * trail name. Default: none with a single issuer; `<issuer>#` when several are trusted (Kubernetes' rule
       * for OIDC usernames), so a subject from one issuer can never pass for another's.
       */
      subjectPrefix: prefix('subjectPrefix').optional(),
      groupsClaim: nonEmpty('groupsClaim', 256).optional(),
      /** Prepended to each of the issuer's groups, so groups of different issuers can be kept apart. */
      groupsPrefix: prefix('groupsPrefix').default(''),
      /**
       * Where the groups of this issuer's users come from when its tokens carry none (Google's ID tokens): the
       * Workspace Directory. With a source, the groups claim is optional and adds to the directory's groups.
       */
      groupsSource: ZGroupsSource.optional(),
      groupsRequired: z.boolean({ error: 'groupsRequired must be true or false' }).default(true),
      algorithms: z
        .array(
          z.enum(ALLOWED_ALGORITHMS, {
            error: (issue) =>
              `algorithms may contain only ${ALLOWED_ALGORITHMS.join(', ')} (got ${JSON.stringify(issue.input)})`,
          }),
          { error: 'algorithms must be a list' },
        )
        .min(1, 'algorithms must not be empty')
        .default([...ALLOWED_ALGORITHMS]),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${ISSUER_FIELDS.join(', ')})`
          : 'issuer entry must be an object',
    },
  )
  .superRefine((value, ctx) => {
    const hasUri = value.jwksUri !== undefined;
    const hasFile = value.jwksFile !== undefined;
    if (hasUri && hasFile) {
      ctx.addIssue({
        code: 'custom',
        message: `issuer ${value.issuer}: set either jwksUri or jwksFile, not both`,
        path: ['jwksFile'],
      });
    } else if (!hasUri && !hasFile) {
      ctx.addIssue({
        code: 'custom',
        message: `issuer ${value.issuer}: jwksUri or jwksFile is required`,
        path: ['jwksUri'],
      });
    }
    if (value.jwksCaFile !== undefined && !value.jwksUri?.startsWith('https:')) {
      ctx.addIssue({
        code: 'custom',
        message: `issuer ${value.issuer}: jwksCaFile is only for an https jwksUri`,
        path: ['jwksCaFile'],
      });
    }
  });
/** A parsed issuer entry (defaults applied). */
export type TIssuerConfig = z.output<typeof ZIssuerConfig>;
/** An entry of the parsed AUTH_ISSUERS list: its subjectPrefix decided by the whole list. */
export type TTrustedIssuer = TIssuerConfig & { subjectPrefix: string };
/** An issuer entry as written (groupsRequired and algorithms may be omitted); TIssuerConfig is assignable to it. */
export type TIssuerConfigInput = z.input<typeof ZIssuerConfig>;

/** The whole AUTH_ISSUERS list. */
export const ZAuthIssuers = z
  .array(ZIssuerConfig, { error: 'AUTH_ISSUERS must be a JSON list of issuer entries' })
  .min(1, 'AUTH_ISSUERS must list at least one issuer')
  .max(32, 'AUTH_ISSUERS may list at most 32 issuers')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((entry, index) => {
      if (seen.has(entry.issuer)) {
        ctx.addIssue({
          code: 'custom',
          message: `issuer ${JSON.stringify(entry.issuer)} is listed more than once`,
          path: [index, 'issuer'],
        });
      }
      seen.add(entry.issuer);
    });
    // A duplicated issuer is its own error; its prefixes would only repeat it.
    if (list.length > 1 && seen.size === list.length) checkPrefixesApart(list.map(withSubjectPrefix(list.length)), ctx);
  })
  .transform((list) => list.map(withSubjectPrefix(list.length)));

/** The entry with its effective subjectPrefix (see ZIssuerConfig.subjectPrefix). */
function withSubjectPrefix(issuerCount: number) {
  return <T extends { issuer: string; subjectPrefix?: string | undefined }>(
    entry: T,
  ): T & { subjectPrefix: string } => ({
    ...entry,
    subjectPrefix: entry.subjectPrefix ?? (issuerCount > 1 ? `${entry.issuer}#` : ''),
  });
}

/**
 * With several issuers, no principal may be reachable from two of them: every subjectPrefix is set and none is a
 * prefix of another (`gh:` and `gh:x:` would both produce `gh:x:y`).
 */
function checkPrefixesApart(list: readonly { issuer: string; subjectPrefix: string }[], ctx: z.RefinementCtx): void {
  list.forEach((entry, index) => {
    if (entry.subjectPrefix === '') {
      ctx.addIssue({
        code: 'custom',
        message:
          `issuer ${entry.issuer}: subjectPrefix must not be empty when several issuers are trusted ` +
          `(e.g. "gh:"), so that a subject from one issuer can never pass for another's`,
        path: [index, 'subjectPrefix'],
      });
      return;
    }
    list.forEach((other, j) => {
      if (j !== index && other.subjectPrefix !== '' && other.subjectPrefix.startsWith(entry.subjectPrefix)) {
        if (j < index && other.subjectPrefix === entry.subjectPrefix) return; // reported once, below
        ctx.addIssue({
          code: 'custom',
          message:
            other.subjectPrefix === entry.subjectPrefix
              ? `issuers ${entry.issuer} and ${other.issuer} share the subjectPrefix ${JSON.stringify(entry.subjectPrefix)}`
              : `subjectPrefix ${JSON.stringify(entry.subjectPrefix)} of ${entry.issuer} is a prefix of ${JSON.stringify(other.subjectPrefix)} of ${other.issuer}`,
          path: [index, 'subjectPrefix'],
        });
      }
    });
  });
}

/**
 * Parses the AUTH_ISSUERS environment value (JSON text). Throws an Error whose message names the variable and,
 * for each problem, the entry and field, e.g. `AUTH_ISSUERS[1].audience: audience must not be empty`.
 */
export function parseAuthIssuers(text: string): TIssuerConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('AUTH_ISSUERS is not valid JSON');
  }
  const result = ZAuthIssuers.safeParse(json);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `AUTH_ISSUERS${where}: ${issue.message}`;
  });
  throw new Error(lines.join('; '));
}
