import { z } from 'zod';
import { ZActor, ZAppName, ZCursor, ZQueryTimestamp, ZSubject, ZTimestamp, listOf, queryInt } from './names.js';
import { route } from './route.js';

export const ZAuditQuery = z.strictObject({
  app: ZAppName.optional(),
  actor: ZSubject.optional(),
  /** Events at or after this time (ISO-8601); the CLI turns `--since 24h` into a timestamp. */
  since: ZQueryTimestamp.optional(),
  cursor: ZCursor.optional(),
  limit: queryInt('limit', 1000).optional(),
});
export type TAuditQuery = z.infer<typeof ZAuditQuery>;

export const ZAuditResult = z.enum(['success', 'denied', 'error']);
export type TAuditResult = z.infer<typeof ZAuditResult>;

export const ZAuditEvent = z.object({
  id: z.string(),
  time: ZTimestamp,
  actor: ZActor,
  /** e.g. `secret.set`, `secret.reveal`, `approle.ensure`, `secretid.issue`. */
  action: z.string(),
  /** e.g. `app/myapp/secrets/DB_PASSWORD`. */
  target: z.string(),
  result: ZAuditResult,
  /** The Secret API's own id of the request (the X-Request-Id it answered with). */
  requestId: z.string(),
  /** The X-Request-Id the caller sent, when it sent a well-formed one. */
  callerRequestId: z.string().optional(),
  /** For result `error`: the problem code the caller got, e.g. `vault_unavailable`. */
  error: z.string().optional(),
  /** Structured facts of the event, e.g. `{before, after}` of a change to an app's grants. */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type TAuditEvent = z.infer<typeof ZAuditEvent>;

export const ZAuditList = listOf(ZAuditEvent);
export type TAuditList = z.infer<typeof ZAuditList>;

export const listAuditRoute = route({
  id: 'listAudit',
  method: 'GET',
  path: '/v1/audit',
  summary: 'Audit events, newest first, filtered by app, actor and time',
  tag: 'audit',
  roles: 'admins (all events), owners (events of their apps)',
  auth: true,
  query: ZAuditQuery,
  responses: { 200: ZAuditList },
});

export const auditRoutes = [listAuditRoute] as const;
