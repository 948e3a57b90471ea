import { z } from 'zod';
import {
  ZClusterName,
  ZCloudName,
  ZCursor,
  ZEnvName,
  ZSubject,
  ZTimestamp,
  listOf,
  queryBool,
  queryInt,
  uniqueList,
} from './names.js';
import { route } from './route.js';

export const ZControllerSubjects = uniqueList(ZSubject, 'controllerSubjects', { min: 1, max: 32 });

export const ZCreateClusterBody = z.strictObject({
  name: ZClusterName,
  controllerSubjects: ZControllerSubjects,
});
export type TCreateClusterBody = z.infer<typeof ZCreateClusterBody>;

export const ZCluster = z.object({
  name: ZClusterName,
  cloud: ZCloudName,
  env: ZEnvName,
  controllerSubjects: z.array(ZSubject),
  createdAt: ZTimestamp,
});
export type TCluster = z.infer<typeof ZCluster>;

export const ZListQuery = z.strictObject({
  cursor: ZCursor.optional(),
  limit: queryInt('limit', 1000).optional(),
});
export type TListQuery = z.infer<typeof ZListQuery>;

export const ZClusterList = listOf(ZCluster);
export type TClusterList = z.infer<typeof ZClusterList>;

export const createClusterRoute = route({
  id: 'createCluster',
  method: 'POST',
  path: '/v1/clusters',
  summary: 'Register a cluster and its controller subjects',
  tag: 'clusters',
  roles: 'admin',
  auth: true,
  body: ZCreateClusterBody,
  responses: { 201: ZCluster },
});

export const listClustersRoute = route({
  id: 'listClusters',
  method: 'GET',
  path: '/v1/clusters',
  summary: 'List clusters',
  tag: 'clusters',
  roles: 'any authenticated caller (cluster names are not secret)',
  auth: true,
  query: ZListQuery,
  responses: { 200: ZClusterList },
});

export const ZClusterParams = z.strictObject({ cluster: ZClusterName });
export type TClusterParams = z.infer<typeof ZClusterParams>;

/**
 * PATCH replaces the controller subjects (the only mutable field: the name is in every Vault object). Like an app's
 * PATCH it answers an ETag and honours If-Match (412 `precondition_failed` when the cluster changed since).
 */
export const ZPatchClusterBody = z.strictObject({ controllerSubjects: ZControllerSubjects });
export type TPatchClusterBody = z.infer<typeof ZPatchClusterBody>;

export const ZDeleteClusterQuery = z.strictObject({
  /** Also decommission the AppRoles ensured in the cluster; without it, a cluster with any is refused (409). */
  force: queryBool('force').optional(),
});
export type TDeleteClusterQuery = z.infer<typeof ZDeleteClusterQuery>;

export const getClusterRoute = route({
  id: 'getCluster',
  method: 'GET',
  path: '/v1/clusters/:cluster',
  summary: 'Show a cluster; its ETag header is what a conditional PATCH or DELETE sends back in If-Match',
  tag: 'clusters',
  roles: 'any authenticated caller (cluster names are not secret)',
  auth: true,
  params: ZClusterParams,
  responses: { 200: ZCluster },
  etag: true,
});

export const patchClusterRoute = route({
  id: 'patchCluster',
  method: 'PATCH',
  path: '/v1/clusters/:cluster',
  summary:
    "Replace a cluster's controller subjects; with If-Match, only if the cluster still has that ETag (else 412, " +
    'nothing changed); answers the new ETag',
  tag: 'clusters',
  roles: 'admin',
  auth: true,
  params: ZClusterParams,
  body: ZPatchClusterBody,
  responses: { 200: ZCluster },
  etag: true,
  preconditions: true,
});

export const deleteClusterRoute = route({
  id: 'deleteCluster',
  method: 'DELETE',
  path: '/v1/clusters/:cluster',
  summary:
    'Delete a cluster; refused (409) while apps have AppRoles ensured in it, unless force=true, which decommissions ' +
    'them; with If-Match, only if the cluster still has that ETag (else 412, nothing deleted). The secrets of its ' +
    'cluster scope are kept (they describe the environment the name stands for, and a cluster registered again ' +
    'under the name finds them); delete them with DELETE /v1/scopes/cluster/:cluster/secrets/:key',
  tag: 'clusters',
  roles: 'admin',
  auth: true,
  params: ZClusterParams,
  query: ZDeleteClusterQuery,
  responses: { 204: null },
  preconditions: true,
});

export const clusterRoutes = [
  createClusterRoute,
  listClustersRoute,
  getClusterRoute,
  patchClusterRoute,
  deleteClusterRoute,
] as const;
