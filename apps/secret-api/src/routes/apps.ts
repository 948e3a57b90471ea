import { createAppRoute, deleteAppRoute, getAppRoute, listAppsRoute, patchAppRoute } from '@secret-api/contract';
import { operation } from '../http/operation.js';
import { appView } from '../services/apps/app-view.js';
import { createApp } from '../services/apps/create-app.js';
import { deleteApp } from '../services/apps/delete-app.js';
import { listApps } from '../services/apps/list-apps.js';
import { patchApp } from '../services/apps/patch-app.js';

export const appOperations = [
  operation({
    route: createAppRoute,
    permission: 'app:create',
    audit: ({ body }) => ({ action: 'app.create', target: `apps/${body.name}`, app: body.name }),
    handle: async ({ body, identity }, ctx) => ({ status: 201, body: await createApp(ctx, body, identity.subject) }),
  }),
  operation({
    route: listAppsRoute,
    permission: 'authenticated',
    handle: async ({ query }, ctx) => ({ status: 200, body: await listApps(ctx, query) }),
  }),
  operation({
    route: getAppRoute,
    permission: 'authenticated',
    // The pipeline has loaded it (or answered 404).
    handle: async ({ app }) => ({ status: 200, body: appView(app!) }),
  }),
  operation({
    route: patchAppRoute,
    permission: 'app:update',
    audit: ({ params }) => ({ action: 'app.update', target: `apps/${params.app}`, app: params.app }),
    handle: async ({ params, body }, ctx) => ({ status: 200, body: await patchApp(ctx, params.app, body) }),
  }),
  operation({
    route: deleteAppRoute,
    permission: 'app:delete',
    audit: ({ params }) => ({ action: 'app.delete', target: `apps/${params.app}`, app: params.app }),
    handle: async ({ params }, ctx) => {
      await deleteApp(ctx, params.app);
      return { status: 204, body: null };
    },
  }),
];
