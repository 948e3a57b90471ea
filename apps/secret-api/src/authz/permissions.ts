/**
 * Who may do what: the one table of product.md §4 "Roles". Every route names one permission and
 * the request pipeline checks it here, after authentication, validation and the existence of the
 * app and cluster the route names, and before any service code runs.
 */
import type { Identity } from '../auth/identity.js';
import { rolesOf, type Role, type Target } from './roles.js';

export type Permission =
  | 'authenticated'
  | 'cluster:create'
  | 'cluster:update'
  | 'cluster:delete'
  | 'app:create'
  | 'app:update'
  | 'app:delete'
  | 'approle:ensure'
  | 'approle:read'
  | 'approle:plan'
  | 'dynamic:manage'
  | 'secret-id:issue'
  | 'secret:write'
  | 'secret:read'
  | 'secret:reveal'
  | 'scope:write'
  | 'scope:read'
  | 'audit:read'
  | 'changes:read';

/**
 * The matrix. An admin is everything an owner and a deployer are, but reveals values only when also
 * a revealer, and never gets SecretID material: the controller of the cluster is the only role
 * that can.
 */
export const PERMISSIONS: Readonly<Record<Permission, readonly ('anyone' | Role)[]>> = {
  authenticated: ['anyone'],
  'cluster:create': ['admin'],
  'cluster:update': ['admin'],
  'cluster:delete': ['admin'],
  'app:create': ['admin'],
  'app:update': ['admin'],
  'app:delete': ['admin'],
  'approle:ensure': ['admin', 'owner', 'deployer'],
  'approle:read': ['admin', 'owner', 'deployer'],
  'approle:plan': ['admin', 'owner', 'deployer'],
  // Which dynamic credentials an app's pods get (database users, AWS keys, certificates) is the platform's call.
  'dynamic:manage': ['admin'],
  'secret-id:issue': ['controller'],
  'secret:write': ['admin', 'owner'],
  'secret:read': ['admin', 'owner', 'revealer'],
  'secret:reveal': ['revealer'],
  'scope:write': ['admin'],
  'scope:read': ['admin'],
  'audit:read': ['admin', 'owner'],
  // Which secrets changed (names and versions, never values): what the cluster's controller polls to restart deployments.
  'changes:read': ['admin', 'controller'],
};

const ROLE_WORDS: Record<Role, (t: Target) => string> = {
  admin: () => 'an admin',
  owner: (t) => `an owner of app '${t.app?.name}'`,
  revealer: (t) => `in a reveal group of app '${t.app?.name}'`,
  deployer: (t) => `a deployer of app '${t.app?.name}'`,
  controller: (t) => `the controller of cluster '${t.cluster?.name}'`,
};

export type Decision = { allowed: true; roles: ReadonlySet<Role> } | { allowed: false; reason: string };

/**
 * An app's login needs its RoleID and a SecretID, and they reach the pod through different identities (product.md
 * §1: "neither carrier alone can log in"). A caller who may fetch one half is refused the other: whoever may read
 * or ensure the app's AppRole gets no SecretID, and a cluster's controller reads no RoleID — whatever lists made
 * one identity both (a deployer pattern matching a controller's subject, an admin made a controller by another).
 */
const OTHER_HALF: Partial<Record<Permission, readonly Role[]>> = {
  'secret-id:issue': ['admin', 'owner', 'deployer'],
  'approle:read': ['controller'],
  'approle:ensure': ['controller'],
};

export function decide(
  permission: Permission,
  identity: Identity,
  target: Target,
  adminGroups: readonly string[],
): Decision {
  const needed = PERMISSIONS[permission];
  const roles = rolesOf(identity, target, adminGroups);
  if (needed.includes('anyone') || needed.some((r) => r !== 'anyone' && roles.has(r))) {
    const both = (OTHER_HALF[permission] ?? []).filter((r) => roles.has(r));
    if (both.length === 0) return { allowed: true, roles };
    const granting = needed.filter((r): r is Role => r !== 'anyone' && roles.has(r));
    const held = [...new Set([...granting, ...both])];
    return {
      allowed: false,
      reason:
        `separation of duties: '${identity.principal}' is ${held.map((r) => ROLE_WORDS[r](target)).join(' and ')}, ` +
        "so it could fetch both the RoleID and a SecretID and log in as the app alone; an app's deployers and a " +
        "cluster's controllers must be different identities",
    };
  }
  const words = needed.filter((r): r is Role => r !== 'anyone').map((r) => ROLE_WORDS[r](target));
  return { allowed: false, reason: `'${identity.principal}' may not do this: it requires being ${words.join(' or ')}` };
}
