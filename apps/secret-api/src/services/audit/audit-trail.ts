/**
 * Writes audit events. Mutations, reveals, SecretID issues and denials are written before the
 * response leaves (the caller may read the trail right after). High-volume reads that only need
 * to be on record — a RoleID read on every deploy — are batched: one multi-row insert per ~50 ms
 * instead of one insert per request, flushed before the trail is read and at shut-down. A
 * database failure loses events, but never silently: each loss is logged.
 */
import type { TAuditResult } from '@secret-api/contract';
import type { Prisma, PrismaClient } from '@secret-api/prisma';
import type { Logger } from '../../observability/logger.js';

export interface AuditEventInput {
  actor: string;
  action: string;
  target: string;
  app?: string | undefined;
  result: TAuditResult;
  requestId: string;
  /** The X-Request-Id the caller sent, kept apart from ours. */
  callerRequestId?: string | undefined;
  /** For result `error`: the problem code the caller got. */
  error?: string | undefined;
  /** Structured facts, e.g. a grant's `{before, after}`. Never a secret value. */
  details?: Record<string, unknown> | undefined;
}

type Row = {
  actor: string;
  action: string;
  target: string;
  app: string | null;
  result: TAuditResult;
  requestId: string;
  callerRequestId: string | null;
  error: string | null;
  details?: Prisma.InputJsonObject;
  time: Date;
};

function toRow(event: AuditEventInput): Row {
  return {
    actor: event.actor,
    action: event.action,
    target: event.target,
    app: event.app ?? null,
    result: event.result,
    requestId: event.requestId,
    callerRequestId: event.callerRequestId ?? null,
    error: event.error ?? null,
    ...(event.details !== undefined && { details: event.details as Prisma.InputJsonObject }),
    time: new Date(),
  };
}

export class AuditTrail {
  private queue: Row[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly prisma: Pick<PrismaClient, 'auditEvent'>,
    private readonly logger: Logger,
    private readonly options: { flushMs?: number; maxBatch?: number } = {},
  ) {}

  async record(event: AuditEventInput, { batched = false }: { batched?: boolean } = {}): Promise<void> {
    const row = toRow(event);
    if (batched) {
      this.queue.push(row);
      if (this.queue.length >= (this.options.maxBatch ?? 200)) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 50);
      return;
    }
    try {
      await this.prisma.auditEvent.create({ data: row });
    } catch (err) {
      this.lost([row], err);
    }
  }

  /** Writes every queued event; resolves once they are in the database (or logged as lost). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.queue;
    this.queue = [];
    this.flushing = this.flushing.then(async () => {
      if (rows.length === 0) return;
      try {
        await this.prisma.auditEvent.createMany({ data: rows });
      } catch (err) {
        this.lost(rows, err);
      }
    });
    return this.flushing;
  }

  private lost(rows: Row[], err: unknown): void {
    for (const r of rows) {
      this.logger.error(
        { requestId: r.requestId, action: r.action, target: r.target, result: r.result, err: (err as Error).message },
        'audit event could not be recorded',
      );
    }
  }
}
