import {
  type TApp,
  createAppRoute,
  deleteAppRoute,
  getAppRoute,
  listAppsRoute,
  patchAppRoute,
} from '@secret-api/contract';
import { added, refuseSelfGrant } from '../authz/separation-of-duties.js';
import { operation } from '../http/operation.js';
import { appView } from '../services/apps/app-view.js';
import { createApp } from '../services/apps/create-app.js';
import { deleteApp } from '../services/apps/delete-app.js';
import { listApps } from '../services/apps/list-apps.js';
import { patchApp } from '../services/apps/patch-app.js';

/** Who holds which right on an app: what an app.create or app.update event records. */
function grantsOf(app: TApp): Pick<TApp, 'ownerGroups' | 'deployers' | 'revealGroups'> {
  return { ownerGroups: app.ownerGroups, deployers: app.deployers, revealGroups: app.revealGroups };
}

export const appOperations = [
  operation({
    route: createAppRoute,
    action: 'app.create',
    permission: 'app:create',
    audit: ({ body }) => ({ target: `apps/${body.name}`, app: body.name }),
    handle: async ({ body, identity }, ctx) => {
      refuseSelfGrant(identity, { revealGroups: body.revealGroups });
      const created = await createApp(ctx, body, identity.principal);
      return { status: 201, body: created, auditDetails: { after: grantsOf(created) } };
    },
  }),
  operation({
    route: listAppsRoute,
    action: 'app.list',
    permission: 'authenticated',
    handle: async ({ query }, ctx) => ({ status: 200, body: await listApps(ctx, query) }),
  }),
  operation({
    route: getAppRoute,
    action: 'app.read',
    permission: 'authenticated',
    // The pipeline has loaded it (or answered 404).
    handle: async ({ app }) => ({ status: 200, body: appView(app!) }),
  }),
  operation({
    route: patchAppRoute,
    action: 'app.update',
    permission: 'app:update',
    audit: ({ params }) => ({ target: `apps/${params.app}`, app: params.app }),
    handle: async ({ params, body, identity, app }, ctx) => {
      const before = grantsOf(appView(app!));
      refuseSelfGrant(identity, { revealGroups: added(before.revealGroups, body.revealGroups) });
      const updated = await patchApp(ctx, params.app, body);
      return { status: 200, body: updated, auditDetails: { before, after: grantsOf(updated) } };
    },
  }),
  operation({
    route: deleteAppRoute,
    action: 'app.delete',
    permission: 'app:delete',
    audit: ({ params }) => ({ target: `apps/${params.app}`, app: params.app }),
    handle: async ({ params }, ctx) => {
      await deleteApp(ctx, params.app);
      return { status: 204, body: null };
    },
  }),
];
