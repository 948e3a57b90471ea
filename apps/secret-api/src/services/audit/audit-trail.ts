/**
 * Writes audit events. Mutations, reveals, SecretID issues and denials are written before the
 * response leaves (the caller may read the trail right after); those of concurrent requests share
 * one insert. High-volume reads that only need to be on record — a RoleID read on every deploy —
 * are batched: one multi-row insert per ~50 ms instead of one insert per request, flushed before
 * the trail is read and at shut-down. A database failure loses events, but never silently: each
 * loss is logged.
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
  /** Events whose requests wait for them, gathered while the previous insert of them runs. */
  private waiting: { row: Row; done: () => void }[] = [];
  private inserting = false;

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
    await new Promise<void>((done) => {
      this.waiting.push({ row, done });
      if (!this.inserting) void this.insertWaiting();
    });
  }

  /**
   * Inserts the waiting events, then those that arrived meanwhile, until none is left: one insert
   * at a time, of every event waiting. A lone request waits for its own insert only; under
   * concurrent requests each insert carries several events, so each costs a fraction of a round
   * trip (a SecretID issue spent a fifth of its CPU on its audit insert). Each request still waits
   * until its event is in the table.
   */
  private async insertWaiting(): Promise<void> {
    this.inserting = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        const rows = batch.map((w) => w.row);
        try {
          await this.insertBatch(rows);
        } catch (err) {
          this.lost(rows, err);
        }
        for (const w of batch) w.done();
      }
    } finally {
      this.inserting = false;
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
   *
   * Committed without waiting for the WAL flush: `set_config(..., true)` in a CTE the statement
   * reads lasts only until the end of the statement's own transaction, so the session's setting is
   * unchanged for every other query. The event is in the table, visible to every reader and safe
   * from any crash of the API before the response leaves; only a crash of PostgreSQL's own host
   * within ~3 × `wal_writer_delay` (600 ms by default) could lose it. Waiting for the flush cost
   * 10–50 ms per SecretID issue on a busy disk — most of the request.
   */
  private async insertBatch(rows: Row[]): Promise<void> {
    const column = <T>(pick: (r: Row) => T) => rows.map(pick);
    await this.prisma.$executeRaw`
      WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
      INSERT INTO audit_events
        (time, actor, action, target, app, result, request_id, caller_request_id, error, details)
      SELECT t::timestamptz, actor, action, target, app, result, request_id, caller_request_id, error, d::jsonb
      FROM async_commit, unnest(
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
