/**
 * Dynamic-credential profiles: named recipes, defined by admins in the template, for the
 * database, AWS and PKI roles an app's pods draw credentials from. An admin attaches profiles
 * to an app; each ensure then writes one role per engine named after the AppRole
 * (`aws.stg.myapp`), which is exactly what the read policy's `creds`/`issue` rules name.
 *
 * Profiles are configuration that decides what an app's pods can obtain, so their values are
 * checked the way Vault would refuse them, up front, rather than at the first ensure.
 */
import { z } from 'zod';
import { parseDurationSeconds } from './duration.js';

/** Profile names: like app names (`[a-z0-9-]`, 1–63, no leading or trailing `-`). */
export const PROFILE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const DYNAMIC_ENGINES = ['database', 'aws', 'pki'] as const;
export type DynamicEngine = (typeof DYNAMIC_ENGINES)[number];

const duration = z
  .custom<number | string>(
    (v) => typeof v === 'number' || typeof v === 'string',
    'must be a number of seconds or a duration string',
  )
  .transform((value, ctx) => {
    const parsed = parseDurationSeconds(value);
    if (parsed.ok) return parsed.seconds;
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  });

/** Vault's name-segment rule for a database connection (`database/config/<name>`). */
const CONNECTION_NAME = /^\w(?:[\w.-]{0,126}\w)?$/;

/** A statement must create the user Vault hands out, or every credential would be a dud. */
const NAMES_THE_USER = /\{\{(?:name|username)\}\}/;

const statement = z.string().min(1, 'must not be empty').max(10_000, 'must be at most 10000 characters');

function ttlPair<T extends { defaultTtl: number; maxTtl: number }>(p: T, ctx: z.RefinementCtx): void {
  if (p.defaultTtl > 0 && p.maxTtl > 0 && p.defaultTtl > p.maxTtl) {
    ctx.addIssue({ code: 'custom', path: ['defaultTtl'], message: 'must not be greater than maxTtl' });
  }
}

export const DatabaseProfileSchema = z
  .strictObject({
    /** `database/config/<connection>`: set up by the platform team, with this role in its allowed_roles. */
    connection: z.string().regex(CONNECTION_NAME, 'must be a Vault database connection name'),
    creationStatements: z
      .array(statement)
      .min(1, 'must list at least one statement')
      .max(50, 'must list at most 50 statements')
      .refine(
        (s) => s.length === 0 || s.some((x) => NAMES_THE_USER.test(x)),
        'must mention {{name}} (the user Vault creates)',
      ),
    /** Empty: the plugin's default (revoke grants, then DROP ROLE). */
    revocationStatements: z.array(statement).max(50, 'must list at most 50 statements').default([]),
    defaultTtl: duration.default(3600),
    maxTtl: duration.default(86_400),
  })
  .superRefine(ttlPair);

const AWS_CREDENTIAL_TYPES = ['iam_user', 'assumed_role', 'federation_token'] as const;
const POLICY_ARN = /^arn:[\w-]+:iam::(\d{12}|aws):policy\/[\x21-\x7e]+$/;
const ROLE_ARN = /^arn:[\w-]+:iam::\d{12}:role\/[\x21-\x7e]+$/;

const policyDocument = z
  .string()
  .max(6144, 'must be at most 6144 characters (the IAM limit)')
  .transform((text, ctx) => {
    try {
      const doc: unknown = JSON.parse(text);
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) return JSON.stringify(doc);
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object (an IAM policy document)' });
    return z.NEVER;
  });

export const AwsProfileSchema = z
  .strictObject({
    credentialType: z.enum(AWS_CREDENTIAL_TYPES, {
      error: (i) => `invalid credential type ${JSON.stringify(i.input)}; valid: ${AWS_CREDENTIAL_TYPES.join(', ')}`,
    }),
    policyArns: z.array(z.string().regex(POLICY_ARN, 'must be an IAM policy ARN')).max(20).default([]),
    /** Stored compact, as Vault stores it. */
    policyDocument: policyDocument.optional(),
    roleArns: z.array(z.string().regex(ROLE_ARN, 'must be an IAM role ARN')).max(20).default([]),
    defaultStsTtl: duration.default(0),
    maxStsTtl: duration.default(0),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    // Vault's own checks (awsRoleEntry.validate), so a bad profile fails here rather than at the first ensure.
    if (p.credentialType !== 'assumed_role' && p.roleArns.length > 0) {
      issue('roleArns', 'only for credentialType assumed_role');
    }
    if (p.credentialType === 'assumed_role' && p.roleArns.length === 0) {
      issue('roleArns', 'must list the role(s) to assume');
    }
    if (p.credentialType !== 'assumed_role' && p.policyArns.length === 0 && p.policyDocument === undefined) {
      issue('policyArns', 'give policyArns or a policyDocument: the credentials would grant nothing');
    }
    if (p.credentialType === 'iam_user' && (p.defaultStsTtl > 0 || p.maxStsTtl > 0)) {
      issue('defaultStsTtl', 'defaultStsTtl and maxStsTtl are only for assumed_role and federation_token');
    }
    if (p.maxStsTtl > 0 && p.defaultStsTtl > p.maxStsTtl) issue('defaultStsTtl', 'must not be greater than maxStsTtl');
  });

/** Placeholders a PKI domain pattern may use; each fills whole labels. */
export const DOMAIN_PLACEHOLDERS = ['app', 'namespace', 'cluster', 'cloud', 'env'] as const;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why a domain pattern is unacceptable, or null. */
export function domainPatternProblem(pattern: string): string | null {
  if (pattern === '') return 'must not be empty';
  if (pattern.length > 253) return 'must be at most 253 characters';
  let scoped = false;
  for (const label of pattern.split('.')) {
    const placeholder = /^\{([a-z]+)\}$/.exec(label)?.[1];
    if (placeholder !== undefined) {
      if (!(DOMAIN_PLACEHOLDERS as readonly string[]).includes(placeholder)) {
        return `unknown placeholder ${JSON.stringify(label)}; known: ${DOMAIN_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`;
      }
      if (placeholder === 'app' || placeholder === 'namespace') scoped = true;
      continue;
    }
    if (label.includes('{') || label.includes('}')) {
      return `placeholders must fill a whole label, not part of ${JSON.stringify(label)}`;
    }
    if (label.includes('*')) return 'must not contain "*": glob domains are not allowed';
    if (!DOMAIN_LABEL.test(label)) return `label ${JSON.stringify(label)} is not a lowercase DNS label`;
  }
  // A pattern without either would let every app with the profile issue for the same names.
  if (!scoped) return 'must contain {app} or {namespace}, so each app gets its own names';
  return null;
}

const KEY_BITS: Record<'rsa' | 'ec', readonly number[]> = { rsa: [2048, 3072, 4096], ec: [256, 384, 521] };
const DEFAULT_KEY_BITS = { rsa: 2048, ec: 256 } as const;

export const PkiProfileSchema = z
  .strictObject({
    allowedDomains: z
      .array(
        z.string().superRefine((value, ctx) => {
          const problem = domainPatternProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .min(1, 'must list at least one domain pattern')
      .max(20, 'must list at most 20 domain patterns'),
    allowSubdomains: z.boolean().default(false),
    allowBareDomains: z.boolean().default(false),
    keyType: z.enum(['rsa', 'ec'], { error: 'must be "rsa" or "ec"' }).default('rsa'),
    /** 0 or absent: the key type's default, written out (Vault reads back 2048, not 0). */
    keyBits: z.int().min(0).default(0),
    ttl: duration.default(86_400),
    maxTtl: duration.default(7 * 86_400),
  })
  .transform((p, ctx) => {
    const keyBits = p.keyBits === 0 ? DEFAULT_KEY_BITS[p.keyType] : p.keyBits;
    if (!KEY_BITS[p.keyType].includes(keyBits)) {
      ctx.addIssue({
        code: 'custom',
        path: ['keyBits'],
        message: `must be one of ${KEY_BITS[p.keyType].join(', ')} for ${p.keyType} keys`,
      });
      return z.NEVER;
    }
    if (p.ttl > 0 && p.maxTtl > 0 && p.ttl > p.maxTtl) {
      ctx.addIssue({ code: 'custom', path: ['ttl'], message: 'must not be greater than maxTtl' });
      return z.NEVER;
    }
    return { ...p, keyBits };
  });

function profileMap<S extends z.ZodType>(schema: S) {
  return z
    .record(z.string(), schema)
    .superRefine((map, ctx) => {
      for (const name of Object.keys(map)) {
        if (!PROFILE_NAME.test(name)) {
          ctx.addIssue({ code: 'custom', path: [name], message: 'profile names are [a-z0-9-], 1-63 characters' });
        }
      }
    })
    .default({});
}

export const ProfilesSchema = z.strictObject({
  database: profileMap(DatabaseProfileSchema),
  aws: profileMap(AwsProfileSchema),
  pki: profileMap(PkiProfileSchema),
});

export type DatabaseProfile = z.output<typeof DatabaseProfileSchema>;
export type AwsProfile = z.output<typeof AwsProfileSchema>;
export type PkiProfile = z.output<typeof PkiProfileSchema>;
export type Profiles = z.output<typeof ProfilesSchema>;
