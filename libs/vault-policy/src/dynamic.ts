/**
 * The dynamic-credential roles of one app in one cluster: for each engine (database, AWS, PKI),
 * the role named after the AppRole (`aws.stg.myapp`) rendered from the profile attached to the
 * app, or nothing when none is. The read policy already lets the app's pods use exactly these
 * (`database/creds/<role>`, `aws/creds/<role>`, `pki/<cloud>/<env>/issue/<role>`).
 *
 * Pure, like render.ts; `planDynamicRoles` compares with what Vault holds and, unlike the four
 * fixed objects, can also say `delete`: a role whose profile was detached must go, or the pods
 * would keep getting credentials nobody declared.
 */
import { InvalidNameError, ProfileAttachmentError, quoteValue } from './errors.js';
import { objectNames, parseClusterName, validateAppName, type ClusterName } from './names.js';
import { substitute } from './placeholders.js';
import type { ChangeAction, PlannedChange } from './plan.js';
import {
  DYNAMIC_ENGINES,
  type AwsProfile,
  type DatabaseProfile,
  type DynamicEngine,
  type PkiProfile,
} from './profiles.js';
import { DEFAULT_TEMPLATE, parseTemplate, type PolicyTemplate } from './template.js';
import { differingFields } from './vault-fields.js';

/** The profiles attached to an app, by engine (at most one each), and the namespace its pods run in. */
export interface DynamicAttachment {
  database: readonly string[];
  aws: readonly string[];
  pki: readonly string[];
  /** The app's Kubernetes namespace, for `{namespace}` in PKI domains; default: the app name. */
  namespace?: string | null | undefined;
}

/** Body of `POST <database mount>/roles/<role>`. */
export interface DatabaseRoleBody {
  db_name: string;
  creation_statements: string[];
  revocation_statements: string[];
  default_ttl: number;
  max_ttl: number;
}

/** Body of `POST <aws mount>/roles/<role>`. Every field is sent, so a write replaces what a hand edit set. */
export interface AwsRoleBody {
  credential_type: AwsProfile['credentialType'];
  policy_arns: string[];
  policy_document: string;
  role_arns: string[];
  default_sts_ttl: number;
  max_sts_ttl: number;
}

/** Body of `POST <pki mount>/roles/<role>` (a PKI role write replaces the whole role). */
export interface PkiRoleBody {
  allowed_domains: string[];
  allow_subdomains: boolean;
  allow_bare_domains: boolean;
  key_type: PkiProfile['keyType'];
  key_bits: number;
  ttl: number;
  max_ttl: number;
}

export type DynamicRoleKind = 'databaseRole' | 'awsRole' | 'pkiRole';

export const DYNAMIC_ROLE_KIND: Readonly<Record<DynamicEngine, DynamicRoleKind>> = {
  database: 'databaseRole',
  aws: 'awsRole',
  pki: 'pkiRole',
};

/** One engine's role of the app: where it lives, and what it should be (null: it should not exist). */
export interface DynamicRoleSlot {
  engine: DynamicEngine;
  kind: DynamicRoleKind;
  /** The role name, `<cloud>.<env>.<app>`. */
  name: string;
  /** `<mount>/roles/<role>`, without `/v1/`. */
  path: string;
  /** The mount, for messages about an engine that is not enabled. */
  mount: string;
  desired: { profile: string; body: DatabaseRoleBody | AwsRoleBody | PkiRoleBody } | null;
}

export interface DynamicRoles {
  roleName: string;
  app: string;
  cluster: ClusterName;
  /** database, aws, pki: every engine, attached or not. */
  slots: DynamicRoleSlot[];
}

/** What Vault returns today for each engine's role: the GET's `data`, or null on 404. */
export type ActualDynamicRoles = Readonly<Record<DynamicEngine, Readonly<Record<string, unknown>> | null>>;

export interface DynamicWrite {
  kind: DynamicRoleKind;
  name: string;
  path: string;
  /** The whole desired body; null deletes the role. */
  body: DatabaseRoleBody | AwsRoleBody | PkiRoleBody | null;
}

const NAMESPACE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function validateNamespace(value: unknown): string {
  if (typeof value !== 'string' || !NAMESPACE.test(value)) {
    const shown = typeof value === 'string' ? quoteValue(value) : 'value';
    throw new InvalidNameError('namespace', 'invalid_chars', `namespace ${shown} is not a Kubernetes namespace name`);
  }
  return value;
}

function databaseBody(p: DatabaseProfile): DatabaseRoleBody {
  return {
    db_name: p.connection,
    creation_statements: [...p.creationStatements],
    revocation_statements: [...p.revocationStatements],
    default_ttl: p.defaultTtl,
    max_ttl: p.maxTtl,
  };
}

function awsBody(p: AwsProfile): AwsRoleBody {
  return {
    credential_type: p.credentialType,
    policy_arns: [...p.policyArns],
    policy_document: p.policyDocument ?? '',
    role_arns: [...p.roleArns],
    default_sts_ttl: p.defaultStsTtl,
    max_sts_ttl: p.maxStsTtl,
  };
}

function pkiBody(p: PkiProfile, values: Record<string, string>): PkiRoleBody {
  return {
    // Patterns fill whole labels with validated names, so the result is a plain domain.
    allowed_domains: p.allowedDomains.map((d) =>
      d
        .split('.')
        .map((label) => {
          const name = /^\{([a-z]+)\}$/.exec(label)?.[1];
          return name === undefined ? label : values[name]!;
        })
        .join('.'),
    ),
    allow_subdomains: p.allowSubdomains,
    allow_bare_domains: p.allowBareDomains,
    key_type: p.keyType,
    key_bits: p.keyBits,
    ttl: p.ttl,
    max_ttl: p.maxTtl,
  };
}

/** Profile names not in the template, or more than one per engine: every problem, named. */
export function attachmentProblems(template: PolicyTemplate, attachment: DynamicAttachment): string[] {
  const problems: string[] = [];
  for (const engine of DYNAMIC_ENGINES) {
    const names = attachment[engine];
    if (names.length > 1) {
      problems.push(`${engine}: at most one profile (the app has one ${engine} role), got ${names.length}`);
    }
    const unknown = names.filter((n) => !Object.hasOwn(template.profiles[engine], n));
    if (unknown.length > 0) {
      problems.push(
        `${engine}: unknown profile${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => quoteValue(n)).join(', ')}`,
      );
    }
  }
  return problems;
}

export function renderDynamicRoles(
  app: string,
  cluster: string | ClusterName,
  attachment: DynamicAttachment,
  template: PolicyTemplate = DEFAULT_TEMPLATE,
): DynamicRoles {
  const appName = validateAppName(app);
  const c = parseClusterName(typeof cluster === 'string' ? cluster : cluster.name);
  const namespace = validateNamespace(attachment.namespace ?? appName);
  const t = parseTemplate(template);
  const problems = attachmentProblems(t, attachment);
  if (problems.length > 0) throw new ProfileAttachmentError(problems);

  const { roleName } = objectNames(appName, c);
  const nameValues = { app: appName, cloud: c.cloud, env: c.env, cluster: c.name, role: roleName };
  const mounts: Record<DynamicEngine, string> = {
    database: t.mounts.database,
    aws: t.mounts.aws,
    pki: substitute(t.mounts.pki, nameValues),
  };
  const render = (engine: DynamicEngine, profile: string): DynamicRoleSlot['desired'] => {
    if (engine === 'database') return { profile, body: databaseBody(t.profiles.database[profile]!) };
    if (engine === 'aws') return { profile, body: awsBody(t.profiles.aws[profile]!) };
    return { profile, body: pkiBody(t.profiles.pki[profile]!, { ...nameValues, namespace }) };
  };

  return {
    roleName,
    app: appName,
    cluster: c,
    slots: DYNAMIC_ENGINES.map((engine) => {
      const profile = attachment[engine][0];
      return {
        engine,
        kind: DYNAMIC_ROLE_KIND[engine],
        name: roleName,
        path: `${mounts[engine]}/roles/${roleName}`,
        mount: mounts[engine],
        desired: profile === undefined ? null : render(engine, profile),
      };
    }),
  };
}

/**
 * One change per engine whose role is attached or still in Vault, in write order. An engine
 * with nothing attached and nothing in Vault is left out: most apps use no dynamic credentials.
 */
export function planDynamicRoles(desired: DynamicRoles, actual: ActualDynamicRoles): PlannedChange[] {
  return desired.slots.flatMap((slot): PlannedChange[] => {
    const have = actual[slot.engine];
    const base = { kind: slot.kind, name: slot.name, path: slot.path };
    const change = (action: ChangeAction, fields?: string[]): PlannedChange[] => [
      { ...base, action, ...(fields && { fields }) },
    ];
    if (slot.desired === null) return have === null ? [] : change('delete');
    if (have === null) return change('create');
    const fields = differingFields(slot.desired.body as unknown as Record<string, unknown>, have);
    return fields.length === 0 ? change('unchanged') : change('update', fields);
  });
}

/** The writes and deletes a dynamic plan calls for. Empty when everything is unchanged. */
export function pendingDynamicWrites(desired: DynamicRoles, changes: readonly PlannedChange[]): DynamicWrite[] {
  return changes
    .filter((c) => c.action !== 'unchanged')
    .flatMap((c): DynamicWrite[] => {
      const slot = desired.slots.find((s) => s.kind === c.kind && s.path === c.path);
      if (!slot) return [];
      return [
        { kind: slot.kind, name: slot.name, path: slot.path, body: c.action === 'delete' ? null : slot.desired!.body },
      ];
    });
}
