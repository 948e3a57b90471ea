import { secretIdRoute, secretIdTokenRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';
import { issueSecretId } from '../services/secret-id/issue-secret-id.js';
import { issueSecretIdToken } from '../services/secret-id/issue-secret-id-token.js';

export const secretIdOperations = [
  operation({
    route: secretIdTokenRoute,
    action: 'secretid-token.issue',
    permission: 'secret-id:issue',
    audit: ({ params }) => ({
      target: `apps/${params.app}/clusters/${params.cluster}/secret-id-token`,
      app: params.app,
      discloses: true,
    }),
    handle: async ({ params, identity }, ctx) => ({
      status: 201,
      body: await issueSecretIdToken(ctx, params.app, params.cluster, identity.principal),
    }),
  }),
  operation({
    route: secretIdRoute,
    action: 'secretid.issue',
    permission: 'secret-id:issue',
    audit: ({ params }) => ({
      target: `apps/${params.app}/clusters/${params.cluster}/secret-id`,
      app: params.app,
      discloses: true,
    }),
    handle: async ({ params, body, identity }, ctx) => ({
      status: 201,
      body: await issueSecretId(ctx, params.app, params.cluster, body, identity.principal),
    }),
  }),
];
