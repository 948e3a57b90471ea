/** The six secret routes, for an app and for each shared scope (admin only). */
import {
  appSecretRoutes,
  clusterSecretRoutes,
  globalSecretRoutes,
  projectSecretRoutes,
  type SecretScope,
} from '@secret-api/contract';
import { decide, type Permission } from '../authz/permissions.js';
import { forbidden } from '../http/api-error.js';
import { operation, type Operation } from '../http/operation.js';
import { deleteSecret } from '../services/secrets/delete-secret.js';
import { getSecret } from '../services/secrets/get-secret.js';
import { listSecrets } from '../services/secrets/list-secrets.js';
import { auditTarget, kvPath, locate } from '../services/secrets/location.js';
import { rollbackSecret } from '../services/secrets/rollback-secret.js';
import { secretHistory } from '../services/secrets/secret-history.js';
import { setSecret } from '../services/secrets/set-secret.js';

type Params = { app?: string; cloud?: string; cluster?: string; key?: string };
/** The generic scope routes type their params loosely; the contract's schemas have checked them. */
type KeyParams = Params & { key: string };

const ROUTES = {
  app: appSecretRoutes,
  global: globalSecretRoutes,
  project: projectSecretRoutes,
  cluster: clusterSecretRoutes,
};

function operationsFor(scope: SecretScope): Operation[] {
  const r = ROUTES[scope];
  const read: Permission = scope === 'app' ? 'secret:read' : 'scope:read';
  const write: Permission = scope === 'app' ? 'secret:write' : 'scope:write';
  // Only revealers see app values; shared values have no reveal groups, so their admins may.
  const reveal: Permission = scope === 'app' ? 'secret:reveal' : 'scope:read';
  const where = (params: Params) => locate(scope, params);
  const audited = (action?: string) => (input: { params: unknown }) => {
    const p = input.params as Params;
    const loc = where(p);
    return { ...(action && { action }), target: auditTarget(loc, p.key), app: loc.app };
  };

  return [
    operation({
      route: r.list,
      action: 'secret.list',
      permission: read,
      handle: async ({ params, query }, ctx) => ({
        status: 200,
        body: await listSecrets(ctx, where(params as Params).folder, query),
      }),
    }),
    operation({
      route: r.set,
      action: 'secret.set',
      permission: write,
      audit: audited(),
      handle: async ({ params: raw, body, identity }, ctx) => {
        const params = raw as KeyParams;
        const loc = where(params);
        const result = await setSecret(ctx, {
          path: kvPath(loc, params.key),
          key: params.key,
          value: body.value,
          comment: body.comment,
          cas: body.cas,
          actor: identity.principal,
          app: loc.app,
        });
        ctx.metrics.secretSets.inc({ scope });
        return { status: 200, body: result };
      },
    }),
    operation({
      route: r.get,
      action: 'secret.read',
      permission: read,
      audit: (input) => (input.query.reveal ? { ...audited('secret.reveal')(input), discloses: true } : undefined),
      handle: async ({ params: raw, query, identity, app, cluster }, ctx) => {
        const params = raw as KeyParams;
        const wantsValue = query.reveal === true;
        const read = { path: kvPath(where(params), params.key), key: params.key, version: query.version };
        if (wantsValue) {
          const decision = decide(reveal, identity, { app, cluster }, ctx.config.auth.adminGroups);
          if (!decision.allowed) {
            // Existence before authorization (product.md §4): this caller may list the keys, so a key or version
            // that is not there is a 404 for it, not a 403 about values.
            await getSecret(ctx, { ...read, reveal: false });
            throw forbidden(decision.reason.replace('may not do this', 'may not read values here'));
          }
        }
        return { status: 200, body: await getSecret(ctx, { ...read, reveal: wantsValue }) };
      },
    }),
    operation({
      route: r.versions,
      action: 'secret.history',
      permission: read,
      handle: async ({ params: raw, query }, ctx) => {
        const params = raw as KeyParams;
        const path = kvPath(where(params), params.key);
        return { status: 200, body: await secretHistory(ctx, path, params.key, query) };
      },
    }),
    operation({
      route: r.rollback,
      action: 'secret.rollback',
      permission: write,
      audit: audited(),
      handle: async ({ params: raw, body, identity }, ctx) => {
        const params = raw as KeyParams;
        const loc = where(params);
        const result = await rollbackSecret(ctx, {
          path: kvPath(loc, params.key),
          key: params.key,
          version: body.version,
          actor: identity.principal,
          app: loc.app,
        });
        ctx.metrics.secretSets.inc({ scope });
        return { status: 200, body: result };
      },
    }),
    operation({
      route: r.delete,
      action: 'secret.delete',
      permission: write,
      audit: audited(),
      handle: async ({ params: raw }, ctx) => {
        const params = raw as KeyParams;
        await deleteSecret(
          { ...ctx, kvMount: ctx.config.vault.kvMount },
          { path: kvPath(where(params), params.key), key: params.key },
        );
        return { status: 204, body: null };
      },
    }),
  ];
}

export const secretOperations = (['app', 'global', 'project', 'cluster'] as const).flatMap(operationsFor);
