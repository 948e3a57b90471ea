/**
 * The audit trail, newest first. Admins read every event; anyone else reads the events of the
 * apps they own (product.md §4), decided by the same permission table as every route — and only
 * since the app they own was created: an app deleted and created again under the same name is
 * another app, whose new owners must not read what its predecessor's did.
 */
import type { TAuditList, TAuditQuery } from '@secret-api/contract';
import { Prisma } from '@secret-api/prisma';
import type { AuditEvent, PrismaClient } from '@secret-api/prisma';
import type { Identity } from '../../auth/identity.js';
import { decide } from '../../authz/permissions.js';
import { forbidden } from '../../http/api-error.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, positiveIntegerUpTo } from '../pagination.js';
import { loadApp } from '../targets.js';
import type { AuditTrail } from './audit-trail.js';

/** Audit ids are positive bigints (PostgreSQL int8): 19 nines would overflow the column, so it is no cursor. */
const isEventId = positiveIntegerUpTo(2n ** 63n - 1n);

export type ListAuditDeps = {
  prisma: Pick<PrismaClient, '$queryRaw' | 'app'>;
  config: { auth: { adminGroups: readonly string[] } };
  audit: Pick<AuditTrail, 'flush'>;
};

export async function listAudit(deps: ListAuditDeps, identity: Identity, query: TAuditQuery): Promise<TAuditList> {
  // This replica's batched events first, so a reader sees what it just did.
  await deps.audit.flush();
  const adminGroups = deps.config.auth.adminGroups;
  const isAdmin = decide('audit:read', identity, {}, adminGroups).allowed;
  // Conditions as SQL fragments: the statement's text depends on which filters are given, never on how many apps
  // the caller owns (see test/query-shapes.test.ts).
  const conditions: Prisma.Sql[] = [];
  if (query.app !== undefined) {
    const app = await loadApp(deps.prisma, query.app);
    const decision = decide('audit:read', identity, { app }, adminGroups);
    if (!decision.allowed) throw forbidden(decision.reason);
    conditions.push(Prisma.sql`app = ${query.app}`);
    if (!isAdmin) conditions.push(Prisma.sql`time >= ${app!.createdAt}`);
  } else if (!isAdmin) {
    conditions.push(
      Prisma.sql`EXISTS (SELECT 1 FROM apps a WHERE a.name = audit_events.app
                   AND a.owner_groups && ${[...identity.groups]}::text[] AND audit_events.time >= a.created_at)`,
    );
  }
  if (query.actor !== undefined) conditions.push(Prisma.sql`actor = ${query.actor}`);
  if (query.since !== undefined) conditions.push(Prisma.sql`time >= ${new Date(query.since)}`);
  const after = decodeCursor(query.cursor, isEventId);
  if (after !== undefined) conditions.push(Prisma.sql`id < ${BigInt(after)}`);
  const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const rows = await deps.prisma.$queryRaw<AuditEvent[]>`
    SELECT id, time, actor, action, target, app, result, request_id AS "requestId",
           caller_request_id AS "callerRequestId", error, details
    FROM audit_events ${where}
    ORDER BY id DESC
    LIMIT ${limit + 1}`;
  const page = rows.slice(0, limit);
  const items = page.map((e) => ({
    id: e.id.toString(),
    time: e.time.toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    result: e.result as 'success' | 'denied' | 'error',
    requestId: e.requestId,
    ...(e.callerRequestId !== null && { callerRequestId: e.callerRequestId }),
    ...(e.error !== null && { error: e.error }),
    ...(isJsonObject(e.details) && { details: e.details }),
  }));
  const last = page[page.length - 1];
  return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.id.toString()) } : { items };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
