import { listAuditRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';
import { listAudit } from '../services/audit/list-audit.js';

export const auditOperations = [
  operation({
    route: listAuditRoute,
    action: 'audit.read',
    // Admins read all, owners their apps' events: decided with the same table, in the service.
    permission: 'authenticated',
    audit: ({ query }) => ({ target: 'audit', app: query.app, recordSuccess: false }),
    handle: async ({ query, identity }, ctx) => ({ status: 200, body: await listAudit(ctx, identity, query) }),
  }),
];
