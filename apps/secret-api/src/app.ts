/** The express application: middleware, every operation of the contract, 405/404 and the error handler. */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ApiContext } from './context.js';
import { ApiError } from './http/api-error.js';
import { docsRouter } from './http/docs.js';
import { errorHandler } from './http/error-handler.js';
import { refuseDotSegments } from './http/dot-segments.js';
import type { Operation } from './http/operation.js';
import { operationRoute } from './http/pipeline.js';
import { requestContext } from './http/request-context.js';
import { routeTable } from './http/route-table.js';
import { appOperations } from './routes/apps.js';
import { appRoleOperations } from './routes/approle.js';
import { clusterOperations } from './routes/clusters.js';
import { dynamicOperations } from './routes/dynamic.js';
import { healthOperations } from './routes/health.js';
import { auditOperations } from './routes/audit.js';
import { changesOperations } from './routes/changes.js';
import { secretIdOperations } from './routes/secret-id.js';
import { secretOperations } from './routes/secrets.js';
import { whoamiOperations } from './routes/whoami.js';

export const OPERATIONS: readonly Operation[] = [
  ...healthOperations,
  ...whoamiOperations,
  ...clusterOperations,
  ...appOperations,
  ...appRoleOperations,
  ...dynamicOperations,
  ...secretIdOperations,
  ...secretOperations,
  ...auditOperations,
  ...changesOperations,
];

export function createApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('case sensitive routing', true);
  app.set('query parser', 'simple');

  app.use(requestContext(ctx.logger, ctx.metrics));
  app.use((_req: Request, res: Response, next: NextFunction) => {
    // Responses carry RoleIDs, tokens and wrapped SecretIDs: no cache may keep them.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(refuseDotSegments());
  // Bodies are read by each operation after authentication (pipeline.ts), never here.

  app.use(routeTable(OPERATIONS.map((op) => operationRoute(op, ctx))));
  app.use(docsRouter());

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new ApiError('not_found', `no route for ${req.method} ${req.path.slice(0, 200)}`));
  });
  app.use(errorHandler());
  return app;
}
