/**
 * The one template (POLICY_TEMPLATE_FILE, JSON) from which every app's Vault
 * objects are rendered. Every section and field is optional: an override file
 * names only what it changes, and the rest comes from the defaults below,
 * which reproduce product.md §3. `readPolicy.rules`, when given, replaces the
 * default rule list as a whole (a merge would make removing a rule impossible).
 */
import { z } from 'zod';
import { CAPABILITIES, type Capability } from './capabilities.js';
import { isCidr } from './cidr.js';
import { parseDurationSeconds } from './duration.js';
import { TemplateError, type TemplateIssue } from './errors.js';
import { mountPathProblem } from './mount-path.js';
import { rulePathProblem } from './placeholders.js';
import { ProfilesSchema } from './profiles.js';

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

const count = z.int('must be a whole number').min(0, 'must not be negative');

const cidrList = z.array(z.string().refine(isCidr, 'must be an IP address or CIDR block'));

const capability = z.enum(CAPABILITIES, {
  error: (issue) => `invalid capability ${JSON.stringify(issue.input)}; valid: ${CAPABILITIES.join(', ')}`,
});

const description = z
  .string()
  .max(200, 'must be at most 200 characters')
  // It becomes a `#` comment: a line break would let it write HCL of its own.
  .refine((d) => !/[\r\n\u2028\u2029]/.test(d), 'must be a single line');

const mountPath = (placeholders: readonly string[] = []) =>
  z.string().superRefine((value, ctx) => {
    const bad = mountPathProblem(value, placeholders);
    if (bad) ctx.addIssue({ code: 'custom', message: bad.detail });
  });

const mountsSchema = z.strictObject({
  kv: mountPath().default('secret'),
  approle: mountPath()
    .refine((m) => m !== 'token', 'must not be "token", the token auth method')
    .default('approle'),
  aws: mountPath().default('aws'),
  database: mountPath().default('database'),
  /** One PKI engine per cluster; `{cloud}` and `{env}` may fill whole segments. */
  pki: mountPath(['cloud', 'env']).default('pki/{cloud}/{env}'),
});

const ruleSchema = z.strictObject({
  path: z.string().superRefine((value, ctx) => {
    const problem = rulePathProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  capabilities: z.array(capability).min(1, 'must list at least one capability'),
  description: description.default(''),
});

export type RuleTemplateInput = z.input<typeof ruleSchema>;

/** product.md §3's read policy, as patterns. */
const DEFAULT_READ_RULES: RuleTemplateInput[] = [
  { path: '{kv}/data/{app}/*', capabilities: ['read'], description: "Read the app's own secrets" },
  { path: '{kv}/metadata/{app}/*', capabilities: ['list'], description: "List the app's own secret keys" },
  { path: '{kv}/data/global/*', capabilities: ['read'], description: 'Read secrets shared by every app' },
  {
    path: '{kv}/data/project/{cloud}/*',
    capabilities: ['read'],
    description: 'Read secrets shared by every app in this cloud',
  },
  {
    path: '{kv}/data/cluster/{cloud}/{env}/*',
    capabilities: ['read'],
    description: 'Read secrets shared by every app in this cluster',
  },
  {
    path: '{aws}/creds/{role}',
    capabilities: ['read'],
    description: 'Dynamic AWS credentials for this app in this cluster',
  },
  {
    path: '{database}/creds/{role}',
    capabilities: ['read'],
    description: 'Dynamic database credentials for this app in this cluster',
  },
  {
    path: '{pki}/issue/{role}',
    capabilities: ['update'],
    description: "Issue this app's TLS certificates from the cluster CA (issuing is an update)",
  },
  { path: '{pki}/cert/ca', capabilities: ['read'], description: 'Read the cluster CA certificate' },
  { path: '{pki}/ca_chain', capabilities: ['read'], description: 'Read the cluster CA chain' },
];

const readPolicySchema = z
  .strictObject({
    rules: z.array(ruleSchema).min(1, 'must list at least one rule').max(100, 'must list at most 100 rules'),
  })
  .superRefine((policy, ctx) => {
    const seen = new Map<string, number>();
    policy.rules.forEach((rule, i) => {
      const first = seen.get(rule.path);
      if (first === undefined) seen.set(rule.path, i);
      else ctx.addIssue({ code: 'custom', path: ['rules', i, 'path'], message: `repeats rules[${first}].path` });
    });
  });

const approleSchema = z
  .strictObject({
    token_period: duration.default(300),
    token_ttl: duration.default(300),
    token_max_ttl: duration.default(300),
    token_num_uses: count.default(0),
    // The design rests on SecretIDs that are single-use-ish and short-lived; 0 would mean unlimited / forever.
    secret_id_num_uses: count.min(1, 'must be at least 1: SecretIDs must be use-limited').default(1),
    secret_id_ttl: duration.refine((s) => s > 0, 'must be greater than 0: SecretIDs must expire').default(300),
    secret_id_bound_cidrs: cidrList.default([]),
    token_bound_cidrs: cidrList.default([]),
  })
  .superRefine((a, ctx) => {
    if (a.token_ttl > 0 && a.token_max_ttl > 0 && a.token_ttl > a.token_max_ttl) {
      ctx.addIssue({ code: 'custom', path: ['token_ttl'], message: 'must not be greater than token_max_ttl' });
    }
  });

const getSecretIdPolicySchema = z.strictObject({
  capabilities: z
    .array(capability)
    .refine((caps) => caps.every((c) => c === 'create' || c === 'update'), 'may only hold "create" and "update"')
    .refine((caps) => caps.includes('update'), 'must include "update": Vault checks it to generate a SecretID')
    .default(['create', 'update']),
  description: description.default("Generate SecretIDs for this app's AppRole, nothing else"),
});

const tokenRoleSchema = z.strictObject({
  renewable: z.boolean().default(true),
  orphan: z.boolean().default(false),
  /** Caps every token made from the role, whatever TTL its creator asks for. */
  token_explicit_max_ttl: duration.default(60),
  token_num_uses: count.default(0),
});

export const PolicyTemplateSchema = z.strictObject({
  version: z.literal(1, 'must be 1').default(1),
  mounts: mountsSchema.prefault({}),
  approle: approleSchema.prefault({}),
  readPolicy: readPolicySchema.prefault({ rules: DEFAULT_READ_RULES }),
  getSecretIdPolicy: getSecretIdPolicySchema.prefault({}),
  tokenRole: tokenRoleSchema.prefault({}),
  /** Named dynamic-credential profiles that admins attach to apps (profiles.ts); none by default. */
  profiles: ProfilesSchema.prefault({}),
});

/** A validated template: durations in seconds, every default filled in. */
export type PolicyTemplate = z.output<typeof PolicyTemplateSchema>;
/** What a template file may contain. */
export type PolicyTemplateInput = z.input<typeof PolicyTemplateSchema>;
export type RuleTemplate = PolicyTemplate['readPolicy']['rules'][number];
export type { Capability };

/** Validates a template (parsed JSON). Throws TemplateError naming every offending field path. */
export function parseTemplate(input: unknown, source?: string): PolicyTemplate {
  const result = PolicyTemplateSchema.safeParse(input);
  if (!result.success) throw new TemplateError(toTemplateIssues(result.error.issues), source);
  return result.data;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

function toTemplateIssues(issues: readonly z.core.$ZodIssue[]): TemplateIssue[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }))
      : [{ path: formatPath(issue.path), message: issue.message }],
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** product.md §3, exactly. Frozen: it is shared by every caller. */
export const DEFAULT_TEMPLATE: PolicyTemplate = deepFreeze(parseTemplate({}));
