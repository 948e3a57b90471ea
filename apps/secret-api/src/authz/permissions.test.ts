/** The permission table of product.md §4, as a table test of the pure decision (the HTTP matrix is test/authz-matrix). */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../auth/identity.js';
import { PERMISSIONS, decide, type Permission } from './permissions.js';
import { rolesOf, subjectMatches } from './roles.js';

const ADMINS = ['platform-admins'];
const app = { name: 'myapp', ownerGroups: ['team'], deployers: ['repo:acme/myapp:*'], revealGroups: ['revealers'] };
const cluster = { name: 'aws.stg', controllerSubjects: ['system:serviceaccount:secrets:controller'] };
const who = (subject: string, groups: string[] = []): Identity => ({
  subject,
  issuer: 'https://idp',
  principal: subject,
  groups,
});

const PEOPLE = {
  admin: who('alice', ['platform-admins']),
  owner: who('bob', ['team']),
  revealer: who('rita', ['revealers']),
  deployer: who('repo:acme/myapp:ref:refs/heads/main'),
  controller: who('system:serviceaccount:secrets:controller'),
  nobody: who('eve', ['elsewhere']),
} as const;

// Who may do what, written out independently of PERMISSIONS so a change to the table shows here.
const EXPECTED: Record<Permission, (keyof typeof PEOPLE)[]> = {
  authenticated: ['admin', 'owner', 'revealer', 'deployer', 'controller', 'nobody'],
  'cluster:create': ['admin'],
  'cluster:update': ['admin'],
  'cluster:delete': ['admin'],
  'app:create': ['admin'],
  'app:update': ['admin'],
  'app:delete': ['admin'],
  'approle:ensure': ['admin', 'owner', 'deployer'],
  'approle:read': ['admin', 'owner', 'deployer'],
  'approle:plan': ['admin', 'owner', 'deployer'],
  'dynamic:manage': ['admin'],
  'secret-id:issue': ['controller'],
  'secret:write': ['admin', 'owner'],
  'secret:read': ['admin', 'owner', 'revealer'],
  'secret:reveal': ['revealer'],
  'scope:write': ['admin'],
  'scope:read': ['admin'],
  'audit:read': ['admin', 'owner'],
  'changes:read': ['admin', 'controller'],
};

describe('permission table', () => {
  it('covers every permission', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(PERMISSIONS).sort());
  });

  const cases = Object.entries(EXPECTED).flatMap(([permission, allowed]) =>
    (Object.keys(PEOPLE) as (keyof typeof PEOPLE)[]).map((person) => ({
      permission: permission as Permission,
      person,
      allowed: allowed.includes(person),
    })),
  );
  it.each(cases)('$permission for $person: $allowed', ({ permission, person, allowed }) => {
    const decision = decide(permission, PEOPLE[person], { app, cluster }, ADMINS);
    expect(decision.allowed).toBe(allowed);
    if (!decision.allowed) expect(decision.reason).toContain(PEOPLE[person].subject);
  });

  it('an admin never reveals values or gets SecretID material by being an admin', () => {
    expect(decide('secret:reveal', PEOPLE.admin, { app, cluster }, ADMINS).allowed).toBe(false);
    expect(decide('secret-id:issue', PEOPLE.admin, { app, cluster }, ADMINS).allowed).toBe(false);
  });

  it('roles are relative to the target: an owner of another app, a controller of another cluster hold none', () => {
    const other = { ...app, name: 'other', ownerGroups: ['other-team'], deployers: [], revealGroups: [] };
    expect([...rolesOf(PEOPLE.owner, { app: other }, ADMINS)]).toEqual([]);
    const otherCluster = { name: 'gcp.prd', controllerSubjects: ['system:serviceaccount:secrets:other'] };
    expect([...rolesOf(PEOPLE.controller, { cluster: otherCluster }, ADMINS)]).toEqual([]);
  });
});

describe('deployer subject patterns', () => {
  it.each([
    ['repo:acme/myapp:*', 'repo:acme/myapp:ref:refs/heads/main', true],
    ['repo:acme/myapp:*', 'repo:acme/myapp-evil:ref:refs/heads/main', false],
    ['repo:acme/myapp:*', 'x-repo:acme/myapp:ref', false],
    ['repo:acme/*:ref:refs/heads/main', 'repo:acme/a/b:ref:refs/heads/main', true],
    ['repo:acme/myapp:ref:refs/heads/main', 'repo:acme/myapp:ref:refs/heads/main', true],
    ['repo:acme/myapp:ref:refs/heads/main', 'repo:acme/myapp:ref:refs/heads/mainx', false],
    ['repo.acme', 'repoXacme', false],
    ['a+b(c)', 'a+b(c)', true],
    ['*', 'anything', true],
  ])('%s matches %s: %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('one identity never holds both halves of a login (product.md §1)', () => {
  const controller = cluster.controllerSubjects[0]!;
  const both = [
    ['a deployer pattern matching the controller', { ...app, deployers: ['system:serviceaccount:*'] }, who(controller)],
    ['an owner group the controller is in', { ...app, ownerGroups: ['ctl-group'] }, who(controller, ['ctl-group'])],
    ['an admin another admin made a controller', app, who(controller, ADMINS)],
  ] as const;

  it.each(both)('%s: no SecretID, and no RoleID read or ensure', (_case, target, identity) => {
    for (const permission of ['secret-id:issue', 'approle:read', 'approle:ensure'] as const) {
      const decision = decide(permission, identity, { app: target, cluster }, ADMINS);
      expect(decision.allowed, permission).toBe(false);
      if (!decision.allowed) {
        expect(decision.reason).toContain('separation of duties');
        expect(decision.reason).toContain(`the controller of cluster 'aws.stg'`);
      }
    }
  });

  it('what such an identity may do otherwise is unchanged: the controller still polls changes', () => {
    const identity = who(controller);
    const target = { app: { ...app, deployers: ['system:serviceaccount:*'] }, cluster };
    expect(decide('changes:read', identity, target, ADMINS).allowed).toBe(true);
    expect(decide('approle:plan', identity, target, ADMINS).allowed).toBe(true);
  });

  it('the controller of another cluster is no obstacle to a deployer', () => {
    const other = { name: 'gcp.prd', controllerSubjects: ['someone-else'] };
    expect(decide('approle:read', PEOPLE.deployer, { app, cluster: other }, ADMINS).allowed).toBe(true);
  });
});
