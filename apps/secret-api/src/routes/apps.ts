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
import { appEntityTag } from '../services/apps/app-etag.js';
import { appView } from '../services/apps/app-view.js';
import { createApp } from '../services/apps/create-app.js';
import { deleteApp } from '../services/apps/delete-app.js';
import { listApps } from '../services/apps/list-apps.js';
import { patchApp } from '../services/apps/patch-app.js';
import { refuseDeployersThatControl } from '../services/login-carriers.js';
import { unreachablePrincipalsHeader } from '../services/principal-reach.js';

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
      await refuseDeployersThatControl(ctx, body.name, body.deployers);
      const created = await createApp(ctx, body, identity.principal);
      return {
        status: 201,
        body: created,
        // RFC 9110 §15.3.2: where the new app is read from.
        headers: {
          Location: `/v1/apps/${encodeURIComponent(created.name)}`,
          ...unreachablePrincipalsHeader(ctx.config.auth.issuers, 'deployer pattern', created.deployers),
        },
        auditDetails: { after: grantsOf(created) },
      };
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
    handle: async ({ app }) => {
      const view = appView(app!);
      return { status: 200, body: view, headers: { ETag: appEntityTag(view) } };
    },
  }),
  operation({
    route: patchAppRoute,
    action: 'app.update',
    permission: 'app:update',
    audit: ({ params }) => ({ target: `apps/${params.app}`, app: params.app }),
    handle: async ({ params, body, identity, preconditions }, ctx) => {
      if (body.deployers !== undefined) await refuseDeployersThatControl(ctx, params.app, body.deployers);
      const { before, after, etag } = await patchApp(ctx, params.app, body, {
        preconditions,
        // Against the app as it is under the lock: what this PATCH grants anew, not what a stale read suggests.
        check: (current) => refuseSelfGrant(identity, { revealGroups: added(current.revealGroups, body.revealGroups) }),
      });
      return {
        status: 200,
        body: after,
        headers: {
          ETag: etag,
          ...unreachablePrincipalsHeader(
            ctx.config.auth.issuers,
            'deployer pattern',
            added(before.deployers, after.deployers),
          ),
        },
        auditDetails: { before: grantsOf(before), after: grantsOf(after) },
      };
    },
  }),
  operation({
    route: deleteAppRoute,
    action: 'app.delete',
    permission: 'app:delete',
    audit: ({ params }) => ({ target: `apps/${params.app}`, app: params.app }),
    handle: async ({ params, preconditions }, ctx) => {
      await deleteApp(ctx, params.app, { preconditions });
      return { status: 204, body: null };
    },
  }),
];
