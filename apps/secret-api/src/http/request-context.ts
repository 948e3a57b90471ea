/** Request id, per-request logger, access log line and metrics. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/** What the API knows of a request while answering it. Express keeps a response's existing `locals`. */
export interface RequestLocals {
  requestId: string;
  /** The X-Request-Id the caller sent, when it is safe to record. */
  callerRequestId: string | undefined;
  /** The route pattern that answered (a metric label); unset for unmatched paths. */
  route: string | undefined;
  /** The authenticated caller, for the access log. */
  subject: string | undefined;
  logger: Logger;
  /** The request's child logger, made on first use (requestLog). */
  log: Logger | undefined;
}

/** A response of the API: node's own, carrying the request's locals. */
export type ApiResponse = ServerResponse & { locals: RequestLocals };

/**
 * Routes that machines poll — probes, scrapes, each controller's change feed every 2 s — log a successful answer at
 * debug: at info they would drown every other line. Failures and every other route stay at info or above.
 */
const POLLED_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/v1/clusters/:cluster/changes']);

/** A caller-supplied id is recorded only when it is short and harmless to log. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Starts a request: its id (a response header), the headers every answer carries, and its log line and metrics. */
export function requestContext(
  logger: Logger,
  metrics: Metrics,
): (req: IncomingMessage, res: ServerResponse) => ApiResponse {
  return (req, res) => {
    // Our own id identifies the request everywhere (response header, logs, audit trail): a caller-chosen one
    // could collide with, or impersonate, another request's records. The caller's is kept alongside.
    const requestId = randomUUID();
    const given = req.headers['x-request-id'];
    const locals: RequestLocals = {
      requestId,
      callerRequestId: typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : undefined,
      route: undefined,
      subject: undefined,
      // Most requests log nothing at the usual levels, and a pino child per request was a measurable share of a
      // RoleID read: the child is made on first use.
      logger,
      log: undefined,
    };
    const apiRes = Object.assign(res, { locals });
    res.setHeader('X-Request-Id', requestId);
    // Responses carry RoleIDs, tokens and wrapped SecretIDs: no cache may keep them.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const started = process.hrtime.bigint();
    const account = (status: number, abandoned: boolean) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Unmatched paths share one label: a scanner must not explode the metric's cardinality.
      const route = locals.route ?? 'unmatched';
      metrics.httpRequests.inc({ route, method: req.method, status: String(status) });
      metrics.httpDuration.observe({ route, method: req.method }, seconds);
      const level = status >= 500 ? 'error' : status < 300 && POLLED_ROUTES.has(route) ? 'debug' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const fields = {
        method: req.method,
        route,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
        subject: locals.subject,
      };
      const log = requestLog(apiRes);
      if (abandoned) log.info(fields, 'request abandoned: the client closed the connection before the answer');
      else if (level === 'error') log.error(fields, 'request failed');
      else log[level](fields, 'request');
    };
    res.on('finish', () => account(res.statusCode, false));
    // A client that gave up (its own timeout) still leaves a line: what it asked may have been done meanwhile.
    // 499, as nginx counts a request its client closed.
    res.on('close', () => {
      if (!res.writableFinished) account(499, true);
    });
    return apiRes;
  };
}

/** The request's logger, carrying its request ids. */
export function requestLog(res: { locals: RequestLocals }): Logger {
  const { locals } = res;
  locals.log ??= locals.logger.child(
    locals.callerRequestId
      ? { requestId: locals.requestId, callerRequestId: locals.callerRequestId }
      : { requestId: locals.requestId },
  );
  return locals.log;
}
