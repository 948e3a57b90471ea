/** Writes one audit event. The trail is best effort against a failing database, but never silent: a lost event is logged. */
import type { TAuditResult } from '@secret-api/contract';
import type { PrismaClient } from '@secret-api/prisma';
import type { Logger } from '../../observability/logger.js';

export interface AuditEventInput {
  actor: string;
  action: string;
  target: string;
  app?: string | undefined;
  result: TAuditResult;
  requestId: string;
}

export async function recordEvent(
  deps: { prisma: Pick<PrismaClient, 'auditEvent'> },
  event: AuditEventInput,
  log: Logger,
): Promise<void> {
  try {
    await deps.prisma.auditEvent.create({ data: { ...event, app: event.app ?? null } });
  } catch (err) {
    log.error(
      { action: event.action, target: event.target, result: event.result, err: (err as Error).message },
      'audit event could not be recorded',
    );
  }
}
