/**
 * The API's request listener. Every operation of the contract is answered on node's own request and response:
 * one route lookup, then the operation's pipeline (http/pipeline.ts). Express serves the rest — the docs pages and
 * the 404 of an unknown path. Express's per-request work (its router's layers and closures, the prototypes it
 * swaps onto each request and response, its response helpers) was ~0.09 ms of CPU and most of the garbage of a
 * RoleID read, itself ~0.2 ms: bench/README.md, "Issue 15, session 6".
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import parseurl from 'parseurl';
import type { ApiContext } from './context.js';
import { ApiError } from './http/api-error.js';
import { docsRouter } from './http/docs.js';
import { dotSegmentError } from './http/dot-segments.js';
import { errorHandler, respondWithError } from './http/error-handler.js';
import type { Operation } from './http/operation.js';
import { authenticate, operationRoute } from './http/pipeline.js';
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

export function createApp(ctx: ApiContext): RequestListener {
  const begin = requestContext(ctx.logger, ctx.metrics);
  const findRoute = routeTable(OPERATIONS.map((op) => operationRoute(op, ctx)));
  const others = otherPaths();

  return (req: IncomingMessage, res: ServerResponse): void => {
    const apiRes = begin(req, res);
    let path = '/';
    try {
      // Bodies are read by each operation after authentication (pipeline.ts), never here.
      const url = parseTarget(req);
      if (url === undefined) {
        return respondWithError(
          req,
          apiRes,
          path,
          new ApiError('bad_request', 'the request target is not a valid URL'),
        );
      }
      path = url.pathname ?? '/';
      const refused = dotSegmentError(req.url ?? '/');
      if (refused) return respondWithError(req, apiRes, path, refused);

      const match = findRoute(req.method ?? 'GET', path);
      if (match === undefined && !isApiPath(path)) return others(req, res);
      if (match === undefined || match.kind === 'other-method') {
        const refusal =
          match === undefined
            ? noRoute(req.method, path)
            : new ApiError(
                'method_not_allowed',
                `${req.method} is not supported on ${match.path}; use ${match.allow}`,
                {
                  headers: { Allow: match.allow },
                },
              );
        // product.md §4: authentication comes first; which routes and methods exist is for authenticated callers.
        // The probes, metrics and documents outside /v1 answer anyone.
        if (!isApiPath(path)) return respondWithError(req, apiRes, path, refusal);
        authenticate(req, ctx).then(
          () => respondWithError(req, apiRes, path, refusal),
          (err: unknown) => respondWithError(req, apiRes, path, err),
        );
        return;
      }
      const query = typeof url.query === 'string' ? url.query : null;
      match
        .handle(req, apiRes, { path, query, params: match.params })
        .catch((err: unknown) => respondWithError(req, apiRes, path, err));
    } catch (err) {
      // Nothing a request carries may take the process down: an unparsable target is answered like any error.
      respondWithError(req, apiRes, path, err);
    }
  };
}

function noRoute(method: string | undefined, path: string): ApiError {
  return new ApiError('not_found', `no route for ${method} ${path.slice(0, 200)}`);
}

/** The API's own namespace, where every route but the probes, metrics and documents wants a caller. */
function isApiPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/');
}

/** The request target as a URL (express's parser: origin or absolute form), or undefined when it is none. */
function parseTarget(req: IncomingMessage): ReturnType<typeof parseurl> | undefined {
  try {
    return parseurl(req) ?? undefined;
  } catch {
    return undefined;
  }
}

/** What no operation answers: the docs pages, else a 404 problem. */
function otherPaths(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('case sensitive routing', true);
  app.use(docsRouter());
  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(noRoute(req.method, req.path));
  });
  app.use(errorHandler());
  return app;
}
