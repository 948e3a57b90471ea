/**
 * Where a secret lives: an app (the default, named by the first argument), or one of the shared scopes the API
 * keeps for admins, chosen with `--scope global`, `--scope project:<cloud>` or `--scope cluster:<cloud>.<env>`.
 * Every secrets command resolves its arguments here, so all six read them the same way.
 */
import { Flags } from '@oclif/core';
import type * as Contract from '@secret-api/contract';
import { UsageError } from './errors.js';

export type SecretTarget =
  | { kind: 'app'; app: string }
  | { kind: 'global' }
  | { kind: 'project'; cloud: string }
  | { kind: 'cluster'; cluster: string };

export const scopeFlag = Flags.string({
  summary: 'A shared scope instead of an app: global, project:<cloud> or cluster:<cloud>.<env> (admins only).',
  helpValue: 'global|project:CLOUD|cluster:NAME',
});

/** `--scope` as typed -> a target; the names themselves are checked with the route's schema before sending. */
export function parseScope(value: string): SecretTarget {
  if (value === 'global') return { kind: 'global' };
  const colon = value.indexOf(':');
  const kind = colon === -1 ? value : value.slice(0, colon);
  const name = colon === -1 ? '' : value.slice(colon + 1);
  if (kind === 'project' && name !== '') return { kind: 'project', cloud: name };
  if (kind === 'cluster' && name !== '') return { kind: 'cluster', cluster: name };
  if (kind === 'project' || kind === 'cluster') {
    throw new UsageError(`--scope ${kind} needs a name: --scope ${kind}:${kind === 'project' ? 'aws' : 'aws.stg'}`);
  }
  throw new UsageError(`--scope '${value}' is not a scope: use global, project:<cloud> or cluster:<cloud>.<env>`);
}

/**
 * The target and key from the positional arguments: `APP KEY` without --scope, `KEY` alone with it.
 * `withKey` false for `secrets list`, which names no key.
 */
export function resolveTarget(
  positionals: readonly (string | undefined)[],
  scope: string | undefined,
  withKey: boolean,
): { target: SecretTarget; key: string } {
  const given = positionals.filter((p): p is string => p !== undefined);
  const wanted = (scope === undefined ? 1 : 0) + (withKey ? 1 : 0);
  const usage = `${scope === undefined ? 'APP' : ''}${scope === undefined && withKey ? ' ' : ''}${withKey ? 'KEY' : ''}`;
  if (given.length !== wanted) {
    if (scope !== undefined && given.length > wanted) {
      throw new UsageError(`with --scope, give ${withKey ? 'only the KEY' : 'no app'}: the scope replaces the app`);
    }
    throw new UsageError(
      wanted === 0
        ? 'unexpected arguments'
        : `give ${usage}${scope === undefined ? ' (or --scope for a shared scope)' : ''}`,
    );
  }
  const target: SecretTarget = scope === undefined ? { kind: 'app', app: given[0] ?? '' } : parseScope(scope);
  return { target, key: withKey ? (given[wanted - 1] ?? '') : '' };
}

/** How a message names the target: `app myapp`, `the global scope`, `project aws`, `cluster aws.stg`. */
export function describeTarget(target: SecretTarget): string {
  switch (target.kind) {
    case 'app':
      return `app ${target.app}`;
    case 'global':
      return 'the global scope';
    case 'project':
      return `project ${target.cloud}`;
    case 'cluster':
      return `cluster ${target.cluster}`;
  }
}

/** The six routes of the target's scope, and the path parameters that name the scope. */
export function scopeRoutes(
  contract: typeof Contract,
  target: SecretTarget,
): { routes: typeof contract.appSecretRoutes; params: Record<string, string> } {
  switch (target.kind) {
    case 'app':
      return { routes: contract.appSecretRoutes, params: { app: target.app } };
    case 'global':
      return { routes: contract.globalSecretRoutes, params: {} };
    case 'project':
      return {
        routes: contract.projectSecretRoutes,
        params: { cloud: target.cloud },
      };
    case 'cluster':
      return {
        routes: contract.clusterSecretRoutes,
        params: { cluster: target.cluster },
      };
  }
}
