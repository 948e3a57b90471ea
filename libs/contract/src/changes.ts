import { z } from 'zod';
import { ZClusterParams } from './clusters.js';
import { ZAppName, ZSecretKey, ZTimestamp, queryInt } from './names.js';
import { route } from './route.js';

/**
 * A position in the stream of secret changes: the id of the last history row already seen, in decimal. `0` is
 * "before everything"; leaving `after` out asks for the current head (no items), which is where a new reader starts.
 */
export const ZChangeCursor = z
  .string({ error: 'after must be given once, as a string' })
  .regex(/^(0|[1-9][0-9]{0,18})$/, 'after must be a cursor returned by this route (a decimal number)')
  // zod runs every check even after the regex failed: only a decimal string reaches BigInt.
  .refine((v) => !/^[0-9]{1,19}$/.test(v) || BigInt(v) <= 2n ** 63n - 1n, { error: 'after is out of range' });

export const ZChangesQuery = z.strictObject({
  after: ZChangeCursor.optional(),
  limit: queryInt('limit', 1000).optional(),
});
export type TChangesQuery = z.infer<typeof ZChangesQuery>;

/** Where the changed secret lives; a shared scope's change concerns every app that reads it. */
export const ZChangeScope = z.enum(['app', 'global', 'project', 'cluster']);
export type TChangeScope = z.infer<typeof ZChangeScope>;

export const ZSecretChange = z.object({
  scope: ZChangeScope,
  /** The app whose own secret changed (scope `app` only). */
  app: ZAppName.optional(),
  key: ZSecretKey,
  version: z.number().int().min(1),
  changedAt: ZTimestamp,
});
export type TSecretChange = z.infer<typeof ZSecretChange>;

export const ZChangesResponse = z.object({
  /** Changes that concern the cluster, oldest first. */
  items: z.array(ZSecretChange),
  /** Pass as `after` next time. Always present: a stream has a next position even when nothing is waiting. */
  nextCursor: ZChangeCursor,
  /** @deprecated `nextCursor` under its first name, for controllers older than the API. */
  cursor: ZChangeCursor,
  /** true when more changes are already waiting: ask again at once. */
  more: z.boolean(),
});
export type TChangesResponse = z.infer<typeof ZChangesResponse>;

export const listChangesRoute = route({
  id: 'listClusterChanges',
  method: 'GET',
  path: '/v1/clusters/:cluster/changes',
  summary:
    "New secret versions that concern a cluster's apps (the own secrets of apps with an AppRole in the cluster, global, the cluster's project and cluster scopes), for restart-on-change",
  tag: 'changes',
  roles: 'the controller of the cluster (a subject listed on it), admins',
  auth: true,
  params: ZClusterParams,
  query: ZChangesQuery,
  responses: { 200: ZChangesResponse },
});

export const changesRoutes = [listChangesRoute] as const;
