/**
 * The audit trail, newest first. Admins read every event; anyone else reads the events of the
 * apps they own (product.md §4), decided by the same permission table as every route.
 */
import type { TAuditList, TAuditQuery } from '@secret-api/contract';
import type { Prisma, PrismaClient } from '@secret-api/prisma';
import type { Identity } from '../../auth/identity.js';
import { decide } from '../../authz/permissions.js';
import { ApiError, forbidden } from '../../http/api-error.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor } from '../pagination.js';
import { loadApp } from '../targets.js';
import type { AuditTrail } from './audit-trail.js';

export type ListAuditDeps = {
  prisma: Pick<PrismaClient, 'auditEvent' | 'app'>;
  config: { auth: { adminGroups: readonly string[] } };
  audit: Pick<AuditTrail, 'flush'>;
};

export async function listAudit(deps: ListAuditDeps, identity: Identity, query: TAuditQuery): Promise<TAuditList> {
  // This replica's batched events first, so a reader sees what it just did.
  await deps.audit.flush();
  const adminGroups = deps.config.auth.adminGroups;
  const isAdmin = decide('audit:read', identity, {}, adminGroups).allowed;
  const where: Prisma.AuditEventWhereInput = {};
  if (query.app !== undefined) {
    const app = await loadApp(deps.prisma, query.app);
    const decision = decide('audit:read', identity, { app }, adminGroups);
    if (!decision.allowed) throw forbidden(decision.reason);
    where.app = query.app;
  } else if (!isAdmin) {
    const owned = await deps.prisma.app.findMany({
      where: { ownerGroups: { hasSome: [...identity.groups] } },
      select: { name: true },
    });
    where.app = { in: owned.map((a) => a.name) };
  }
  if (query.actor !== undefined) where.actor = query.actor;
  if (query.since !== undefined) where.time = { gte: new Date(query.since) };
  const after = decodeCursor(query.cursor);
  if (after !== undefined) {
    if (!/^[0-9]{1,19}$/.test(after)) {
      throw new ApiError('validation', 'cursor is malformed', {
        errors: [{ path: '/query/cursor', message: 'cursor is malformed' }],
      });
    }
    where.id = { lt: BigInt(after) };
  }
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const rows = await deps.prisma.auditEvent.findMany({ where, orderBy: { id: 'desc' }, take: limit + 1 });
  const page = rows.slice(0, limit);
  const items = page.map((e) => ({
    id: e.id.toString(),
    time: e.time.toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    result: e.result as 'success' | 'denied' | 'error',
    requestId: e.requestId,
  }));
  const last = page[page.length - 1];
  return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.id.toString()) } : { items };
}
