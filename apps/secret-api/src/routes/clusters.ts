import { createClusterRoute, listClustersRoute } from '@secret-api/contract';
import { refuseSelfGrant } from '../authz/separation-of-duties.js';
import { operation } from '../http/operation.js';
import { createCluster } from '../services/clusters/create-cluster.js';
import { listClusters } from '../services/clusters/list-clusters.js';

export const clusterOperations = [
  operation({
    route: createClusterRoute,
    action: 'cluster.create',
    permission: 'cluster:create',
    audit: ({ body }) => ({ target: `clusters/${body.name}` }),
    handle: async ({ body, identity }, ctx) => {
      refuseSelfGrant(identity, { controllerSubjects: body.controllerSubjects });
      const created = await createCluster(ctx, body, identity.principal);
      return {
        status: 201,
        body: created,
        auditDetails: { after: { controllerSubjects: created.controllerSubjects } },
      };
    },
  }),
  operation({
    route: listClustersRoute,
    action: 'cluster.list',
    permission: 'authenticated',
    handle: async ({ query }, ctx) => ({ status: 200, body: await listClusters(ctx, query) }),
  }),
];
