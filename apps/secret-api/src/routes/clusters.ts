import { createClusterRoute, listClustersRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';
import { createCluster } from '../services/clusters/create-cluster.js';
import { listClusters } from '../services/clusters/list-clusters.js';

export const clusterOperations = [
  operation({
    route: createClusterRoute,
    permission: 'cluster:create',
    audit: ({ body }) => ({ action: 'cluster.create', target: `clusters/${body.name}` }),
    handle: async ({ body, identity }, ctx) => ({
      status: 201,
      body: await createCluster(ctx, body, identity.subject),
    }),
  }),
  operation({
    route: listClustersRoute,
    permission: 'authenticated',
    handle: async ({ query }, ctx) => ({ status: 200, body: await listClusters(ctx, query) }),
  }),
];
