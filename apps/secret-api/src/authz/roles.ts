/**
 * The roles of product.md §4, computed for one caller against one target (an app, a cluster, or
 * both). Pure: the caller's identity and the target's stored lists decide everything.
 */
import type { Identity } from '../auth/identity.js';
import { globMatches } from './glob.js';

export type Role = 'admin' | 'owner' | 'revealer' | 'deployer' | 'controller';

export interface AppAccess {
  readonly name: string;
  readonly ownerGroups: readonly string[];
  readonly deployers: readonly string[];
  readonly revealGroups: readonly string[];
}

export interface ClusterAccess {
  readonly name: string;
  readonly controllerSubjects: readonly string[];
}

export interface Target {
  readonly app?: AppAccess | undefined;
  readonly cluster?: ClusterAccess | undefined;
}

/** A deployer pattern matches the caller's principal (issuer-bound subject); see glob.ts. */
export function subjectMatches(pattern: string, principal: string): boolean {
  return globMatches(pattern, principal);
}

function intersects(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const set = new Set(b);
  return a.some((x) => set.has(x));
}

/** Every role the caller holds on the target. */
export function rolesOf(identity: Identity, target: Target, adminGroups: readonly string[]): Set<Role> {
  const roles = new Set<Role>();
  if (intersects(identity.groups, adminGroups)) roles.add('admin');
  const { app, cluster } = target;
  if (app) {
    if (intersects(identity.groups, app.ownerGroups)) roles.add('owner');
    if (intersects(identity.groups, app.revealGroups)) roles.add('revealer');
    if (app.deployers.some((p) => subjectMatches(p, identity.principal))) roles.add('deployer');
  }
  if (cluster && cluster.controllerSubjects.includes(identity.principal)) roles.add('controller');
  return roles;
}
