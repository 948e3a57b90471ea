/**
 * Desired vs actual: which Vault objects an ensure must write. The result is
 * the `GET .../approle/plan` response of product.md §4; `pendingWrites` turns
 * it into the writes, so an ensure writes only what differs.
 */
import {
  APPROLE_DEFAULTS,
  TOKEN_ROLE_DEFAULTS,
  type AppRoleBody,
  type TokenRoleBody,
  type VaultObjects,
} from './render.js';
import { differingFields } from './vault-fields.js';

export type ObjectKind = 'approle' | 'policy' | 'tokenRole' | 'databaseRole' | 'awsRole' | 'pkiRole';
/** `delete` only for a dynamic-credential role whose profile was detached (dynamic.ts). */
export type ChangeAction = 'create' | 'update' | 'unchanged' | 'delete';

export interface PlannedChange {
  kind: ObjectKind;
  /** AppRole role name, policy name or token role name. */
  name: string;
  /** The API path (without `/v1/`) that is read and written. */
  path: string;
  action: ChangeAction;
  /** Only on `update`: the fields that differ (`policy` for a policy). */
  fields?: string[];
}

export interface Plan {
  roleName: string;
  /** In write order: policies before the roles that name them. */
  changes: PlannedChange[];
}

/** Policy data as `GET sys/policies/acl/<name>` returns it (legacy `sys/policy/<name>` says `rules`). */
export interface ActualPolicy {
  policy?: string;
  rules?: string;
  [key: string]: unknown;
}

/** What Vault returns today for each object: the GET response's `data`, or null on 404. */
export interface ActualVaultObjects {
  approle: Readonly<Record<string, unknown>> | null;
  readPolicy: ActualPolicy | null;
  getSecretIdPolicy: ActualPolicy | null;
  tokenRole: Readonly<Record<string, unknown>> | null;
}

export interface PendingWrite {
  kind: 'approle' | 'policy' | 'tokenRole';
  name: string;
  path: string;
  /**
   * The whole desired body, not just the differing fields: Vault checks some
   * fields against each other (token_ttl ≤ token_max_ttl), and writing the
   * token_* names clears legacy aliases.
   */
  body: AppRoleBody | TokenRoleBody | { policy: string } | Record<string, unknown>;
  /** Delete the object first and create it anew: a token role with a field set that the API may not write. */
  recreate?: boolean;
}

const DEFAULTS = { approle: APPROLE_DEFAULTS, tokenRole: TOKEN_ROLE_DEFAULTS } as const;

function planRole(
  kind: 'approle' | 'tokenRole',
  desired: { name: string; path: string; body: object },
  actual: Readonly<Record<string, unknown>> | null,
): PlannedChange {
  const base = { kind, name: desired.name, path: desired.path };
  if (actual === null) return { ...base, action: 'create' };
  const fields = differingFields({ ...DEFAULTS[kind], ...(desired.body as Record<string, unknown>) }, actual);
  return fields.length === 0 ? { ...base, action: 'unchanged' } : { ...base, action: 'update', fields };
}

function planPolicy(desired: { name: string; path: string; hcl: string }, actual: ActualPolicy | null): PlannedChange {
  const base = { kind: 'policy' as const, name: desired.name, path: desired.path };
  if (actual === null) return { ...base, action: 'create' };
  const text = typeof actual.policy === 'string' ? actual.policy : actual.rules;
  // Vault stores the text as written; only trailing whitespace is allowed to differ.
  if (typeof text === 'string' && text.trimEnd() === desired.hcl.trimEnd()) return { ...base, action: 'unchanged' };
  return { ...base, action: 'update', fields: ['policy'] };
}

export function planChanges(desired: VaultObjects, actual: ActualVaultObjects): Plan {
  return {
    roleName: desired.roleName,
    changes: [
      planPolicy(desired.readPolicy, actual.readPolicy),
      planPolicy(desired.getSecretIdPolicy, actual.getSecretIdPolicy),
      planRole('approle', desired.approle, actual.approle),
      planRole('tokenRole', desired.tokenRole, actual.tokenRole),
    ],
  };
}

/** True when an ensure has nothing to write. */
export function isUpToDate(plan: Plan): boolean {
  return plan.changes.every((change) => change.action === 'unchanged');
}

/** The writes a plan calls for, in order. Empty when everything is unchanged. */
export function pendingWrites(desired: VaultObjects, plan: Plan): PendingWrite[] {
  return plan.changes
    .filter((change) => change.action !== 'unchanged')
    .map((change): PendingWrite => {
      const base = { kind: change.kind as PendingWrite['kind'], name: change.name, path: change.path };
      const fields = change.fields ?? [];
      if (change.kind === 'approle') {
        // The defaults only where they drifted, written back explicitly.
        const reset = Object.fromEntries(Object.entries(APPROLE_DEFAULTS).filter(([f]) => fields.includes(f)));
        return { ...base, body: { ...desired.approle.body, ...reset } };
      }
      if (change.kind === 'tokenRole') {
        const recreate = fields.some((f) => f in TOKEN_ROLE_DEFAULTS);
        return { ...base, body: desired.tokenRole.body, ...(recreate && { recreate: true }) };
      }
      const policy = change.name === desired.readPolicy.name ? desired.readPolicy : desired.getSecretIdPolicy;
      return { ...base, body: { policy: policy.hcl } };
    });
}
