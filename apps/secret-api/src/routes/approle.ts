import { ensureAppRoleRoute, getAppRoleRoute, planAppRoleRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';
import { ensureAppRole } from '../services/approle/ensure-approle.js';
import { getAppRole } from '../services/approle/get-approle.js';
import { planAppRole } from '../services/approle/plan-approle.js';

const roleTarget = (p: { app: string; cluster: string }) => `apps/${p.app}/clusters/${p.cluster}/approle`;

export const appRoleOperations = [
  operation({
    route: ensureAppRoleRoute,
    permission: 'approle:ensure',
    audit: ({ params }) => ({ action: 'approle.ensure', target: roleTarget(params), app: params.app }),
    handle: async ({ app, cluster, identity }, ctx) => ({
      status: 200,
      body: await ensureAppRole(ctx, app!, cluster!, identity.subject),
    }),
  }),
  operation({
    route: getAppRoleRoute,
    permission: 'approle:read',
    // Every deploy reads its RoleID: on record, written in batches.
    audit: ({ params }) => ({ action: 'approle.read', target: roleTarget(params), app: params.app, batched: true }),
    handle: async ({ params }, ctx) => ({ status: 200, body: await getAppRole(ctx, params.app, params.cluster) }),
  }),
  operation({
    route: planAppRoleRoute,
    permission: 'approle:plan',
    handle: async ({ params }, ctx) => ({ status: 200, body: await planAppRole(ctx, params.app, params.cluster) }),
  }),
];
