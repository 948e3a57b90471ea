/**
 * Writes audit events. Mutations, reveals, SecretID issues and denials are written before the
 * response leaves (the caller may read the trail right after). High-volume reads that only need
 * to be on record — a RoleID read on every deploy — are batched: one multi-row insert per ~50 ms
 * instead of one insert per request, flushed before the trail is read and at shut-down. A
 * database failure loses events, but never silently: each loss is logged.
 */
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

type Row = Omit<AuditEventInput, 'app'> & { app: string | null; time: Date };

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
    const row: Row = { ...event, app: event.app ?? null, time: new Date() };
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
