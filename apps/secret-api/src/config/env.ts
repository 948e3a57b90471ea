/**
 * Configuration: the environment variables of product.md §4, parsed once by one zod schema and
 * frozen. A bad or missing value stops the process with a message naming the variable; secrets
 * (VAULT_TOKEN, VAULT_SECRET_ID, HISTORY_HMAC_KEY) have no defaults and never appear in messages.
 */
import { validateMountPath, InvalidNameError } from '@secret-api/vault-policy';
import { z } from 'zod';
import { ZAuthIssuers, type TIssuerConfig } from '../auth/issuers.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly problems: readonly { variable: string; message: string }[],
    /** What to do about it, when the problems have one likely cause. */
    readonly hint?: string,
  ) {
    super(
      'invalid configuration:\n' +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n') +
        (hint === undefined ? '' : `\n${hint}`),
    );
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().optional());

const port = z.preprocess(
  blankToUndefined,
  z
    .string()
    .regex(/^[0-9]{1,5}$/, 'must be a port number')
    .transform(Number)
    .refine((n) => n <= 65_535, 'must be at most 65535')
    .default(8080),
);

function positiveInt(name: string, fallback: number, max: number) {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[0-9]{1,9}$/, `must be a whole number`)
      .transform(Number)
      .refine((n) => n <= max, `must be at most ${max}`)
      .default(fallback)
      .describe(name),
  );
}

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .transform((u) => u.replace(/\/+$/, ''));

const postgresUrl = z
  .string()
  .refine((u) => /^postgres(ql)?:\/\//.test(u) && URL.canParse(u), 'must be a postgresql:// URL');

const mount = (variable: 'kvMount' | 'approleMount', fallback: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .default(fallback)
      .transform((value, ctx) => {
        try {
          return validateMountPath(value, variable);
        } catch (err) {
          if (!(err instanceof InvalidNameError)) throw err;
          ctx.addIssue({ code: 'custom', message: err.message });
          return z.NEVER;
        }
      }),
  );

const commaList = z.preprocess(
  blankToUndefined,
  z
    .string({ error: 'is required: a comma-separated list of groups' })
    .transform((s) =>
      s
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
    )
    .refine((groups) => groups.length > 0, 'must name at least one group'),
);

const jsonIssuers = z.preprocess(
  blankToUndefined,
  z
    .string({ error: 'is required: a JSON list of {issuer, jwksUri or jwksFile, audience}' })
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(ZAuthIssuers),
);

const hmacKey = z.preprocess(
  blankToUndefined,
  z
    .string()
    .refine((s) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(s), 'must be base64')
    .transform((s) => Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64'))
    .refine((key) => key.length >= 32, 'must decode to at least 32 bytes')
    .optional(),
);

const EnvSchema = z
  .object({
    PORT: port,
    HOST: z.preprocess(blankToUndefined, z.string().max(255).default('127.0.0.1')),
    DATABASE_URL: z.preprocess(blankToUndefined, postgresUrl.optional()),
    DATA_DIR: z.preprocess(blankToUndefined, z.string().default('.data')),
    VAULT_ADDR: z.preprocess(
      blankToUndefined,
      httpUrl.optional().refine((v) => v !== undefined, 'is required: the address of the Vault to manage'),
    ),
    VAULT_TOKEN: optionalString,
    VAULT_ROLE_ID: optionalString,
    VAULT_SECRET_ID: optionalString,
    VAULT_NAMESPACE: optionalString,
    VAULT_KV_MOUNT: mount('kvMount', 'secret'),
    VAULT_APPROLE_MOUNT: mount('approleMount', 'approle'),
    /** Where the API's own AppRole lives, when it logs in with one (default: VAULT_APPROLE_MOUNT). */
    VAULT_LOGIN_MOUNT: z.preprocess(blankToUndefined, z.undefined().or(mount('approleMount', 'approle'))),
    VAULT_TIMEOUT_MS: positiveInt('VAULT_TIMEOUT_MS', 5000, 120_000),
    AUTH_ISSUERS: jsonIssuers,
    AUTH_GROUPS_CLAIM: z.preprocess(
      blankToUndefined,
      z
        .string()
        .max(256)
        .regex(/^[A-Za-z0-9_:./-]+$/, 'must be a claim name')
        .default('groups'),
    ),
    AUTH_CLOCK_SKEW_SECONDS: positiveInt('AUTH_CLOCK_SKEW_SECONDS', 30, 300),
    ADMIN_GROUPS: commaList,
    POLICY_TEMPLATE_FILE: optionalString,
    HISTORY_HMAC_KEY: hmacKey,
    LOG_LEVEL: z.preprocess(
      blankToUndefined,
      z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    ),
  })
  .superRefine((env, ctx) => {
    const hasToken = env.VAULT_TOKEN !== undefined;
    const hasRole = env.VAULT_ROLE_ID !== undefined || env.VAULT_SECRET_ID !== undefined;
    if (hasToken && hasRole) {
      ctx.addIssue({
        code: 'custom',
        path: ['VAULT_TOKEN'],
        message: 'set either VAULT_TOKEN or VAULT_ROLE_ID and VAULT_SECRET_ID, not both',
      });
    } else if (!hasToken && !hasRole) {
      ctx.addIssue({
        code: 'custom',
        path: ['VAULT_TOKEN'],
        message: 'is required (or VAULT_ROLE_ID and VAULT_SECRET_ID to log in with AppRole)',
      });
    } else if (hasRole && env.VAULT_ROLE_ID === undefined) {
      ctx.addIssue({ code: 'custom', path: ['VAULT_ROLE_ID'], message: 'is required with VAULT_SECRET_ID' });
    } else if (hasRole && env.VAULT_SECRET_ID === undefined) {
      ctx.addIssue({ code: 'custom', path: ['VAULT_SECRET_ID'], message: 'is required with VAULT_ROLE_ID' });
    }
  });

export type VaultAuthSettings = { token: string } | { roleId: string; secretId: string; mount: string };

export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL, or the embedded database in `<dataDir>/pglite` when DATABASE_URL is unset. */
  readonly database: { readonly url: string } | { readonly pgliteDir: string };
  readonly dataDir: string;
  readonly vault: {
    readonly address: string;
    readonly auth: VaultAuthSettings;
    readonly namespace: string | undefined;
    readonly kvMount: string;
    readonly approleMount: string;
    readonly timeoutMs: number;
  };
  readonly auth: {
    readonly issuers: readonly TIssuerConfig[];
    readonly groupsClaim: string;
    readonly clockSkewSeconds: number;
    readonly adminGroups: readonly string[];
  };
  readonly policyTemplateFile: string | undefined;
  readonly historyHmacKey: Buffer | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/**
 * VAULT_ADDR alone switches the embedded dev stack off, so a VAULT_ADDR exported for something else (or pasted
 * from vault-dev's banner) makes `npm start` demand a production configuration. Say so, and how to get back.
 */
function productionModeHint(
  env: Readonly<Record<string, string | undefined>>,
  problems: readonly { variable: string }[],
): string | undefined {
  if (blankToUndefined(env['VAULT_ADDR']) === undefined) return undefined;
  const missing = ['AUTH_ISSUERS', 'ADMIN_GROUPS'].filter(
    (name) => blankToUndefined(env[name]) === undefined && problems.some((p) => p.variable === name),
  );
  if (missing.length === 0) return undefined;
  return (
    `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} required because VAULT_ADDR is set: ` +
    'VAULT_ADDR turns the embedded dev stack (vault-dev, dev token issuer) off and expects a production ' +
    'configuration. To run the embedded stack instead: unset VAULT_ADDR VAULT_TOKEN, then start again.'
  );
}

/** Parses the environment. Throws ConfigError listing every bad variable. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [variable, ...rest] = issue.path.map(String);
      const where = rest.length > 0 ? `${rest.join('.')}: ` : '';
      return { variable: variable ?? 'environment', message: where + issue.message };
    });
    throw new ConfigError(problems, productionModeHint(env, problems));
  }
  const e = result.data;
  const auth: VaultAuthSettings =
    e.VAULT_TOKEN !== undefined
      ? { token: e.VAULT_TOKEN }
      : {
          roleId: e.VAULT_ROLE_ID as string,
          secretId: e.VAULT_SECRET_ID as string,
          mount: (e.VAULT_LOGIN_MOUNT ?? e.VAULT_APPROLE_MOUNT) as string,
        };
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL !== undefined ? { url: e.DATABASE_URL } : { pgliteDir: `${e.DATA_DIR}/pglite` },
    dataDir: e.DATA_DIR,
    vault: {
      address: e.VAULT_ADDR as string,
      auth,
      namespace: e.VAULT_NAMESPACE,
      kvMount: e.VAULT_KV_MOUNT,
      approleMount: e.VAULT_APPROLE_MOUNT,
      timeoutMs: e.VAULT_TIMEOUT_MS,
    },
    auth: {
      issuers: e.AUTH_ISSUERS,
      groupsClaim: e.AUTH_GROUPS_CLAIM,
      clockSkewSeconds: e.AUTH_CLOCK_SKEW_SECONDS,
      adminGroups: e.ADMIN_GROUPS,
    },
    policyTemplateFile: e.POLICY_TEMPLATE_FILE,
    historyHmacKey: e.HISTORY_HMAC_KEY,
    logLevel: e.LOG_LEVEL,
  });
}
