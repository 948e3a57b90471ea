/** Request id, per-request logger, access log line and metrics. */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

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
    res.locals['log'] = logger.child(callerRequestId ? { requestId, callerRequestId } : { requestId });
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Unmatched paths share one label: a scanner must not explode the metric's cardinality.
      const route = (res.locals['route'] as string | undefined) ?? 'unmatched';
      metrics.httpRequests.inc({ route, method: req.method, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route, method: req.method }, seconds);
      const fields = {
        method: req.method,
        route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 10_000) / 10,
        subject: res.locals['subject'] as string | undefined,
      };
      const log = requestLog(res);
      if (res.statusCode >= 500) log.error(fields, 'request failed');
      else log.info(fields, 'request');
    });
    next();
  };
}

export function requestLog(res: Response): Logger {
  return res.locals['log'] as Logger;
}
