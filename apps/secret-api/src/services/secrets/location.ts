/**
 * Where a secret lives: the KV v2 path under the mount (product.md §3's layout, which the read
 * policies grant) and how audit events name it.
 */
import type { SecretScope } from '@secret-api/contract';

export interface SecretLocation {
  scope: SecretScope;
  /** The folder under the KV mount: `myapp`, `global`, `project/aws`, `cluster/aws/stg`. */
  folder: string;
  /** How the audit trail names the folder: `apps/myapp`, `scopes/global`, ... */
  label: string;
  /** The app, for app secrets. */
  app?: string;
}

export function locate(scope: SecretScope, params: { app?: string; cloud?: string; cluster?: string }): SecretLocation {
  switch (scope) {
    case 'app':
      return { scope, folder: params.app as string, label: `apps/${params.app}`, app: params.app as string };
    case 'global':
      return { scope, folder: 'global', label: 'scopes/global' };
    case 'project':
      return { scope, folder: `project/${params.cloud}`, label: `scopes/project/${params.cloud}` };
    case 'cluster': {
      const [cloud, env] = (params.cluster as string).split('.');
      return { scope, folder: `cluster/${cloud}/${env}`, label: `scopes/cluster/${params.cluster}` };
    }
  }
}

export const kvPath = (loc: SecretLocation, key: string): string => `${loc.folder}/${key}`;
export const auditTarget = (loc: SecretLocation, key?: string): string =>
  key === undefined ? `${loc.label}/secrets` : `${loc.label}/secrets/${key}`;

/** The location and key of a KV path {@link kvPath} made. */
export function locateKvPath(path: string): { loc: SecretLocation; key: string } {
  const parts = path.split('/');
  const key = parts.pop() as string;
  const [first, cloud, env] = parts;
  if (first === 'global') return { loc: locate('global', {}), key };
  if (first === 'project') return { loc: locate('project', { cloud }), key };
  if (first === 'cluster') return { loc: locate('cluster', { cluster: `${cloud}.${env}` }), key };
  return { loc: locate('app', { app: first }), key };
}
