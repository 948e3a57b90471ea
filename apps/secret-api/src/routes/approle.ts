import { ensureAppRoleRoute, getAppRoleRoute, planAppRoleRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';
import { ensureAppRole } from '../services/approle/ensure-approle.js';
import { getAppRole } from '../services/approle/get-approle.js';
import { planAppRole } from '../services/approle/plan-approle.js';

const roleTarget = (p: { app: string; cluster: string }) => `apps/${p.app}/clusters/${p.cluster}/approle`;

export const appRoleOperations = [
  operation({
    route: ensureAppRoleRoute,
    action: 'approle.ensure',
    permission: 'approle:ensure',
    audit: ({ params }) => ({ target: roleTarget(params), app: params.app }),
    handle: async ({ app, cluster, identity }, ctx) => {
      const { targetsChanged, ...body } = await ensureAppRole(ctx, app!, cluster!, identity.principal);
      return { status: 200, body, targetsChanged };
    },
  }),
  operation({
    route: getAppRoleRoute,
    action: 'approle.read',
    permission: 'approle:read',
    // Every deploy reads its RoleID: on record, written in batches.
    audit: ({ params }) => ({ target: roleTarget(params), app: params.app, batched: true }),
    handle: async ({ params }, ctx) => ({ status: 200, body: await getAppRole(ctx, params.app, params.cluster) }),
  }),
  operation({
    route: planAppRoleRoute,
    action: 'approle.plan',
    permission: 'approle:plan',
    handle: async ({ params }, ctx) => ({ status: 200, body: await planAppRole(ctx, params.app, params.cluster) }),
  }),
];
