import { z } from 'zod';

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

const ISSUER_FIELDS = ['issuer', 'jwksUri', 'jwksFile', 'audience', 'groupsClaim', 'groupsRequired', 'algorithms'];

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
      groupsClaim: nonEmpty('groupsClaim', 256).optional(),
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
  });
/** A parsed issuer entry (defaults applied). */
export type TIssuerConfig = z.output<typeof ZIssuerConfig>;
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
  });

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
