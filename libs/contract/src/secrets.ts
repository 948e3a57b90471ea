/**
 * Secrets of an app (`/v1/apps/:app/secrets`) and of the shared scopes (`/v1/scopes/global`,
 * `/v1/scopes/project/:cloud`, `/v1/scopes/cluster/:cluster`, admin only). The same six routes
 * for each scope. A value appears in a request body, and in a response only for
 * `GET .../secrets/:key?reveal=true` ({@link ZGetSecretResponse}).
 */
import { z } from 'zod';
import {
  ZActor,
  ZAppName,
  ZClusterName,
  ZCloudName,
  ZComment,
  ZCursor,
  ZSecretKey,
  ZSecretValue,
  ZTimestamp,
  ZVersion,
  listOf,
  queryBool,
  queryInt,
} from './names.js';
import { ZListQuery } from './clusters.js';
import { route } from './route.js';

export const ZSetSecretBody = z.strictObject({
  value: ZSecretValue,
  comment: ZComment.optional(),
  /**
   * Check-and-set: the version the caller expects to be current (0 = the key must not exist).
   * Versions are the API's own: they only grow, even when Vault's numbering restarts. A key whose
   * versions Vault no longer has (KV metadata deleted, Vault restored from an older backup), or whose
   * current version was deleted, does not exist for `cas`: set it with `cas: 0`, or without `cas`.
   */
  cas: z
    .number({ error: 'cas must be a number' })
    .max(2_147_483_647, 'cas must be at most 2147483647 (a version number)')
    .min(0, 'cas must be at least 0')
    .int('cas must be an integer')
    .optional(),
});
export type TSetSecretBody = z.infer<typeof ZSetSecretBody>;

export const ZSecretVersionRef = z.object({ key: ZSecretKey, version: ZVersion });
export type TSecretVersionRef = z.infer<typeof ZSecretVersionRef>;

/** Metadata of a key, never its value. */
export const ZSecretMetadata = z.object({
  key: ZSecretKey,
  version: ZVersion,
  updatedAt: ZTimestamp,
  updatedBy: ZActor,
});
export type TSecretMetadata = z.infer<typeof ZSecretMetadata>;

/** The one response that may carry a value: `GET .../secrets/:key` with `reveal=true`. */
export const ZGetSecretResponse = ZSecretMetadata.extend({ value: ZSecretValue.optional() });
export type TGetSecretResponse = z.infer<typeof ZGetSecretResponse>;

export const ZSecretList = listOf(ZSecretMetadata);
export type TSecretList = z.infer<typeof ZSecretList>;

export const ZGetSecretQuery = z.strictObject({
  reveal: queryBool('reveal').optional(),
  version: queryInt('version', 2_147_483_647).optional(),
});
export type TGetSecretQuery = z.infer<typeof ZGetSecretQuery>;

export const ZSecretHistoryEntry = z.object({
  version: ZVersion,
  actor: ZActor,
  createdAt: ZTimestamp,
  comment: ZComment.nullable(),
  /** Keyed HMAC of the value (never the value, never a plain hash). */
  fingerprint: z.string(),
  deleted: z.boolean(),
  destroyed: z.boolean(),
});
export type TSecretHistoryEntry = z.infer<typeof ZSecretHistoryEntry>;

export const ZSecretHistory = listOf(ZSecretHistoryEntry);

/** A page of a key's history: newest first, `limit` versions (default 100), then `nextCursor`. */
export const ZSecretHistoryQuery = z.strictObject({
  cursor: ZCursor.optional(),
  limit: queryInt('limit', 1000).optional(),
});
export type TSecretHistoryQuery = z.infer<typeof ZSecretHistoryQuery>;
export type TSecretHistory = z.infer<typeof ZSecretHistory>;

export const ZRollbackSecretBody = z.strictObject({ version: ZVersion });
export type TRollbackSecretBody = z.infer<typeof ZRollbackSecretBody>;

export type SecretScope = 'app' | 'global' | 'project' | 'cluster';

interface ScopeSpec {
  prefix: string;
  params: z.ZodObject;
  idPart: string;
  tag: string;
  roles: { read: string; write: string; get: string };
}

const ADMIN_ONLY = 'admin (shared scopes are admin only)';
const SCOPES: Record<SecretScope, ScopeSpec> = {
  app: {
    prefix: '/v1/apps/:app',
    params: z.strictObject({ app: ZAppName }),
    idPart: 'App',
    tag: 'secrets',
    roles: {
      read: "the app's owners, admins",
      write: "the app's owners, admins",
      get: "the app's owners, admins; the value (reveal=true) only to members of the app's reveal groups",
    },
  },
  global: {
    prefix: '/v1/scopes/global',
    params: z.strictObject({}),
    idPart: 'Global',
    tag: 'shared secrets',
    roles: { read: ADMIN_ONLY, write: ADMIN_ONLY, get: ADMIN_ONLY },
  },
  project: {
    prefix: '/v1/scopes/project/:cloud',
    params: z.strictObject({ cloud: ZCloudName }),
    idPart: 'Project',
    tag: 'shared secrets',
    roles: { read: ADMIN_ONLY, write: ADMIN_ONLY, get: ADMIN_ONLY },
  },
  cluster: {
    prefix: '/v1/scopes/cluster/:cluster',
    params: z.strictObject({ cluster: ZClusterName }),
    idPart: 'Cluster',
    tag: 'shared secrets',
    roles: { read: ADMIN_ONLY, write: ADMIN_ONLY, get: ADMIN_ONLY },
  },
};

/** The six secret routes of one scope. */
export function secretRoutesFor(scope: SecretScope) {
  const s = SCOPES[scope];
  const keyParams = s.params.extend({ key: ZSecretKey });
  const base = { tag: s.tag, auth: true } as const;
  return {
    list: route({
      ...base,
      id: `list${s.idPart}Secrets`,
      method: 'GET',
      path: `${s.prefix}/secrets`,
      summary: 'List keys with version, updatedAt, updatedBy (no values), by key, a page at a time',
      roles: s.roles.read,
      params: s.params,
      query: ZListQuery,
      responses: { 200: ZSecretList },
    }),
    set: route({
      ...base,
      id: `set${s.idPart}Secret`,
      method: 'PUT',
      path: `${s.prefix}/secrets/:key`,
      summary: 'Set a value (a new version); cas checks the current version',
      roles: s.roles.write,
      params: keyParams,
      body: ZSetSecretBody,
      responses: { 200: ZSecretVersionRef },
    }),
    get: route({
      ...base,
      id: `get${s.idPart}Secret`,
      method: 'GET',
      path: `${s.prefix}/secrets/:key`,
      summary: 'Metadata of a key; the value only with reveal=true',
      roles: s.roles.get,
      params: keyParams,
      query: ZGetSecretQuery,
      responses: { 200: ZGetSecretResponse },
    }),
    versions: route({
      ...base,
      id: `list${s.idPart}SecretVersions`,
      method: 'GET',
      path: `${s.prefix}/secrets/:key/versions`,
      summary: 'Version history, newest first, a page at a time',
      roles: s.roles.read,
      params: keyParams,
      query: ZSecretHistoryQuery,
      responses: { 200: ZSecretHistory },
    }),
    rollback: route({
      ...base,
      id: `rollback${s.idPart}Secret`,
      method: 'POST',
      path: `${s.prefix}/secrets/:key/rollback`,
      summary: 'Write the value of an earlier version as a new version',
      roles: s.roles.write,
      params: keyParams,
      body: ZRollbackSecretBody,
      responses: { 200: ZSecretVersionRef },
    }),
    delete: route({
      ...base,
      id: `delete${s.idPart}Secret`,
      method: 'DELETE',
      path: `${s.prefix}/secrets/:key`,
      summary: 'Delete a key (all versions)',
      roles: s.roles.write,
      params: keyParams,
      responses: { 204: null },
    }),
  };
}

export const appSecretRoutes = secretRoutesFor('app');
export const globalSecretRoutes = secretRoutesFor('global');
export const projectSecretRoutes = secretRoutesFor('project');
export const clusterSecretRoutes = secretRoutesFor('cluster');

export const secretRoutes = [appSecretRoutes, globalSecretRoutes, projectSecretRoutes, clusterSecretRoutes].flatMap(
  (r) => [r.list, r.set, r.get, r.versions, r.rollback, r.delete],
);
