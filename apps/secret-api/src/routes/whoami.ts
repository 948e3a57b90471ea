import { whoamiRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';

export const whoamiOperations = [
  operation({
    route: whoamiRoute,
    action: 'identity.read',
    permission: 'authenticated',
    handle: async ({ identity }, ctx) => {
      const admins = new Set(ctx.config.auth.adminGroups);
      return {
        status: 200,
        body: {
          subject: identity.subject,
          issuer: identity.issuer,
          principal: identity.principal,
          groups: [...identity.groups],
          admin: identity.groups.some((g) => admins.has(g)),
        },
      };
    },
  }),
];
