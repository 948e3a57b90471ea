/** The route table: every route of the Secret API, each described once. */
import { appRoleRoutes } from './approle.js';
import { appRoutes } from './apps.js';
import { auditRoutes } from './audit.js';
import { changesRoutes } from './changes.js';
import { clusterRoutes } from './clusters.js';
import { dynamicRoutes } from './dynamic.js';
import { healthRoutes } from './health.js';
import type { RouteContract } from './route.js';
import { secretIdRoutes } from './secret-id.js';
import { secretRoutes } from './secrets.js';
import { whoamiRoutes } from './whoami.js';

export const ROUTES: readonly RouteContract[] = Object.freeze([
  ...healthRoutes,
  ...whoamiRoutes,
  ...clusterRoutes,
  ...appRoutes,
  ...appRoleRoutes,
  ...dynamicRoutes,
  ...secretIdRoutes,
  ...secretRoutes,
  ...auditRoutes,
  ...changesRoutes,
]);

/** `METHOD path` of a route, e.g. `GET /v1/apps/:app`. */
export function routeKey(r: Pick<RouteContract, 'method' | 'path'>): string {
  return `${r.method} ${r.path}`;
}
