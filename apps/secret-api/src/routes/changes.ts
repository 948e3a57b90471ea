import { listChangesRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';
import { listChanges } from '../services/changes/list-changes.js';

export const changesOperations = [
  operation({
    route: listChangesRoute,
    action: 'changes.read',
    permission: 'changes:read',
    // Polled every few seconds by every cluster's controller: only denials are worth a row.
    audit: ({ params }) => ({ target: `clusters/${params.cluster}/changes`, recordSuccess: false }),
    handle: async ({ params, query }, ctx) => ({ status: 200, body: await listChanges(ctx, params.cluster, query) }),
  }),
];
