/** Request id, per-request logger, access log line and metrics. */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/**
 * Routes that machines poll — probes, scrapes, each controller's change feed every 2 s — log a successful answer at
 * debug: at info they would drown every other line. Failures and every other route stay at info or above.
 */
const POLLED_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/v1/clusters/:cluster/changes']);

/** A caller-supplied id is recorded only when it is short and harmless to log. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(logger: Logger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Our own id identifies the request everywhere (response header, logs, audit trail): a caller-chosen one
    // could collide with, or impersonate, another request's records. The caller's is kept alongside.
    const requestId = randomUUID();
    const given = req.headers['x-request-id'];
    const callerRequestId = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : undefined;
    res.locals['requestId'] = requestId;
    res.locals['callerRequestId'] = callerRequestId;
    // The request's child logger is made on first use (requestLog): most requests log nothing at
    // the usual levels, and a pino child per request was a measurable share of a RoleID read.
    res.locals['logger'] = logger;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Unmatched paths share one label: a scanner must not explode the metric's cardinality.
      const route = (res.locals['route'] as string | undefined) ?? 'unmatched';
      metrics.httpRequests.inc({ route, method: req.method, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route, method: req.method }, seconds);
      const level =
        res.statusCode >= 500 ? 'error' : res.statusCode < 300 && POLLED_ROUTES.has(route) ? 'debug' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const fields = {
        method: req.method,
        route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 10_000) / 10,
        subject: res.locals['subject'] as string | undefined,
      };
      const log = requestLog(res);
      if (level === 'error') log.error(fields, 'request failed');
      else log[level](fields, 'request');
    });
    next();
  };
}

/** The request's logger, carrying its request ids. */
export function requestLog(res: Response): Logger {
  let log = res.locals['log'] as Logger | undefined;
  if (!log) {
    const requestId = res.locals['requestId'] as string;
    const callerRequestId = res.locals['callerRequestId'] as string | undefined;
    log = (res.locals['logger'] as Logger).child(callerRequestId ? { requestId, callerRequestId } : { requestId });
    res.locals['log'] = log;
  }
  return log;
}
