import { getDynamicRoute, putDynamicRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';
import { getDynamic } from '../services/dynamic/get-dynamic.js';
import { putDynamic } from '../services/dynamic/put-dynamic.js';

export const dynamicOperations = [
  operation({
    route: putDynamicRoute,
    action: 'dynamic.update',
    permission: 'dynamic:manage',
    audit: ({ params }) => ({ target: `apps/${params.app}/dynamic`, app: params.app }),
    handle: async ({ params, body, identity }, ctx) => {
      const { before, after } = await putDynamic(ctx, params.app, body, identity.principal);
      const attached = ({ database, aws, pki, namespace }: typeof after) => ({ database, aws, pki, namespace });
      return { status: 200, body: after, auditDetails: { before: attached(before), after: attached(after) } };
    },
  }),
  operation({
    route: getDynamicRoute,
    action: 'dynamic.read',
    permission: 'dynamic:manage',
    handle: async ({ params }, ctx) => ({ status: 200, body: await getDynamic(ctx, params.app) }),
  }),
];
