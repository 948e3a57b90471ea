import { z } from 'zod';
import {
  ZClusterName,
  ZCloudName,
  ZCursor,
  ZEnvName,
  ZSubject,
  ZTimestamp,
  listOf,
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

export const clusterRoutes = [createClusterRoute, listClustersRoute] as const;
