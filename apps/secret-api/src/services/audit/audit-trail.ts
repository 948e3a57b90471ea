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
    private readonly prisma: Pick<PrismaClient, '$executeRaw'>,
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
      await this.insertBatch([row]);
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
        await this.insertBatch(rows);
      } catch (err) {
        this.lost(rows, err);
      }
    });
    return this.flushing;
  }

  /**
   * One INSERT of column arrays, also for a single event. Not createMany: Prisma compiles a
   * createMany anew for every row count, which cost more CPU than the RoleID reads being recorded;
   * nor create, which costs a compile and more round trips (bench/README.md).
   */
  private async insertBatch(rows: Row[]): Promise<void> {
    const column = <T>(pick: (r: Row) => T) => rows.map(pick);
    await this.prisma.$executeRaw`
      INSERT INTO audit_events
        (time, actor, action, target, app, result, request_id, caller_request_id, error, details)
      SELECT t::timestamptz, actor, action, target, app, result, request_id, caller_request_id, error, d::jsonb
      FROM unnest(
        ${column((r) => r.time.toISOString())}::text[], ${column((r) => r.actor)}::text[],
        ${column((r) => r.action)}::text[], ${column((r) => r.target)}::text[], ${column((r) => r.app)}::text[],
        ${column((r) => r.result)}::text[], ${column((r) => r.requestId)}::text[],
        ${column((r) => r.callerRequestId)}::text[], ${column((r) => r.error)}::text[],
        ${column((r) => (r.details === undefined ? null : JSON.stringify(r.details)))}::text[]
      ) AS u(t, actor, action, target, app, result, request_id, caller_request_id, error, d)`;
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
