import {
  createClusterRoute,
  deleteClusterRoute,
  getClusterRoute,
  listClustersRoute,
  patchClusterRoute,
} from '@secret-api/contract';
import { added, refuseSelfGrant } from '../authz/separation-of-duties.js';
import { operation } from '../http/operation.js';
import { clusterEntityTag } from '../services/clusters/cluster-etag.js';
import { clusterView } from '../services/clusters/cluster-view.js';
import { createCluster } from '../services/clusters/create-cluster.js';
import { deleteCluster } from '../services/clusters/delete-cluster.js';
import { listClusters } from '../services/clusters/list-clusters.js';
import { updateCluster } from '../services/clusters/update-cluster.js';
import { refuseControllersThatDeploy } from '../services/login-carriers.js';
import { unreachablePrincipalsHeader } from '../services/principal-reach.js';

export const clusterOperations = [
  operation({
    route: createClusterRoute,
    action: 'cluster.create',
    permission: 'cluster:create',
    audit: ({ body }) => ({ target: `clusters/${body.name}` }),
    handle: async ({ body, identity }, ctx) => {
      refuseSelfGrant(identity, { controllerSubjects: body.controllerSubjects });
      await refuseControllersThatDeploy(ctx, body.name, body.controllerSubjects);
      const created = await createCluster(ctx, body, identity.principal);
      return {
        status: 201,
        body: created,
        headers: {
          Location: `/v1/clusters/${encodeURIComponent(created.name)}`,
          ...unreachablePrincipalsHeader(ctx.config.auth.issuers, 'controller subject', created.controllerSubjects),
        },
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
  operation({
    route: getClusterRoute,
    action: 'cluster.read',
    permission: 'authenticated',
    // The pipeline has loaded it (or answered 404).
    handle: async ({ cluster }) => {
      const view = clusterView(cluster!);
      return { status: 200, body: view, headers: { ETag: clusterEntityTag(view) } };
    },
  }),
  operation({
    route: patchClusterRoute,
    action: 'cluster.update',
    permission: 'cluster:update',
    audit: ({ params }) => ({ target: `clusters/${params.cluster}` }),
    handle: async ({ params, body, identity, preconditions }, ctx) => {
      await refuseControllersThatDeploy(ctx, params.cluster, body.controllerSubjects);
      const { before, after, etag } = await updateCluster(ctx, params.cluster, body, {
        preconditions,
        // Against the cluster as it is under the lock, not as a cached read shows it.
        check: (current) =>
          refuseSelfGrant(identity, {
            controllerSubjects: added(current.controllerSubjects, body.controllerSubjects),
          }),
      });
      return {
        status: 200,
        body: after,
        headers: {
          ETag: etag,
          ...unreachablePrincipalsHeader(
            ctx.config.auth.issuers,
            'controller subject',
            added(before.controllerSubjects, after.controllerSubjects),
          ),
        },
        auditDetails: {
          before: { controllerSubjects: before.controllerSubjects },
          after: { controllerSubjects: after.controllerSubjects },
        },
      };
    },
  }),
  operation({
    route: deleteClusterRoute,
    action: 'cluster.delete',
    permission: 'cluster:delete',
    // A forced delete also decommissions AppRoles: the trail says so.
    audit: ({ params, query }) => ({
      ...(query.force === true && { action: 'cluster.delete.force' }),
      target: `clusters/${params.cluster}`,
    }),
    handle: async ({ params, query, preconditions }, ctx) => {
      await deleteCluster(ctx, params.cluster, { force: query.force === true, preconditions });
      return { status: 204, body: null };
    },
  }),
];
