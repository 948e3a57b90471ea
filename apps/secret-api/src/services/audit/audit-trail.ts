/**
 * Writes audit events. Mutations, reveals, SecretID issues and denials are written before the
 * response leaves (the caller may read the trail right after). High-volume reads that only need to
 * be on record — a RoleID read on every deploy — are batched: written within ~50 ms, flushed before
 * the trail is read and at shut-down.
 *
 * One writer, one INSERT in flight: each statement carries every event queued meanwhile (up to
 * MAX_ROWS_PER_INSERT), so under load a statement carries more events rather than statements piling
 * up. The queue is bounded: past `maxQueued` events (default 10,000, ~3 MiB) a batched event's
 * request waits for its write like any other, so a slow database slows callers instead of growing
 * memory. A failed insert is tried once more (the trail's connection is opened anew: a database failover or a
 * killed session costs no events, at worst stores one twice when the first insert committed unheard); an event lost even so is never lost silently: it is logged with all its fields,
 * and a request waiting for it is told, so an answer that discloses a secret can be withheld (http/pipeline.ts).
 */
import type { TAuditResult } from '@secret-api/contract';
import type { Logger } from '../../observability/logger.js';
import type { AuditStore } from './audit-store.js';

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

/** An event as its table row, named as the columns are: a batch is sent as one JSON array of these. */
type Row = {
  time: Date;
  actor: string;
  action: string;
  target: string;
  app: string | null;
  result: TAuditResult;
  request_id: string;
  caller_request_id: string | null;
  error: string | null;
  details: Record<string, unknown> | null;
};

function toRow(event: AuditEventInput): Row {
  return {
    time: new Date(),
    actor: event.actor,
    action: event.action,
    target: event.target,
    app: event.app ?? null,
    result: event.result,
    request_id: event.requestId,
    caller_request_id: event.callerRequestId ?? null,
    error: event.error ?? null,
    details: event.details ?? null,
  };
}

/** NUL or any surrogate (most are halves of well-formed pairs, which the round trip through UTF-8 keeps). */
const MAYBE_UNSTORABLE = /[\0\uD800-\uDFFF]/;
/**
 * How JSON.stringify writes NUL and a lone surrogate (a well-formed pair it writes as is). Also matches text that
 * merely reads like one (an escaped backslash before it), which then takes the slow path for nothing.
 */
const ESCAPED_UNSTORABLE = /\\u(?:0000|d[89a-f])/i;

/**
 * What PostgreSQL's text can hold: a lone UTF-16 surrogate becomes U+FFFD (as the driver's UTF-8 encoding of a
 * parameter did) and NUL, which no text value may contain, becomes U+FFFD too. One unstorable string must not cost
 * its whole batch. A replacer runs for every value of the batch (a RoleID read's batch holds hundreds of events and
 * it showed in the profile), so it runs only when the plain JSON says there is something to replace.
 */
function storableJson(rows: Row[]): string {
  const json = JSON.stringify(rows);
  if (!ESCAPED_UNSTORABLE.test(json)) return json;
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'string' && MAYBE_UNSTORABLE.test(value)
      ? Buffer.from(value, 'utf8').toString('utf8').replaceAll('\0', '\uFFFD')
      : value,
  );
}

/** Rows per statement: its parameters stay a few hundred KiB however far the writer is behind. */
const MAX_ROWS_PER_INSERT = 1_000;

export class AuditTrail {
  /** Events not yet taken by an insert, oldest first. */
  private queue: Row[] = [];
  /** Sequence numbers: the newest event recorded, and the newest whose insert has ended. */
  private recordedSeq = 0;
  private writtenSeq = 0;
  /** Requests waiting for every event up to `seq` to be written, in `seq` order; told whether theirs was. */
  private waiters: { seq: number; done: (written: boolean) => void }[] = [];
  private writing = false;
  /** The batched events have waited long enough: write them even if no request waits. */
  private due = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxQueued: number;

  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    options: { flushMs?: number; maxBatch?: number; maxQueued?: number } = {},
  ) {
    this.flushMs = options.flushMs ?? 50;
    this.maxBatch = options.maxBatch ?? 200;
    this.maxQueued = options.maxQueued ?? 10_000;
  }

  /**
   * Resolves once the event is in the table (true) or lost (false, and logged) — at once, true, for a batched
   * event, unless the queue is full.
   */
  record(event: AuditEventInput, { batched = false }: { batched?: boolean } = {}): Promise<boolean> {
    this.queue.push(toRow(event));
    const seq = ++this.recordedSeq;
    if (batched && this.queue.length <= this.maxQueued) {
      if (this.queue.length >= this.maxBatch) this.due = true;
      if (this.due) void this.write();
      else this.timer ??= setTimeout(this.onTimer, this.flushMs).unref();
      return Promise.resolve(true);
    }
    return this.writtenThrough(seq);
  }

  /** Writes every event recorded so far; resolves once they are in the database (or logged as lost). */
  async flush(): Promise<void> {
    await this.writtenThrough(this.recordedSeq);
  }

  /** Writes what is queued, then ends the store's connection: at shut-down. */
  async close(): Promise<void> {
    await this.flush();
    await this.store.close();
  }

  /** Queue depth, for tests and diagnostics. */
  get queued(): number {
    return this.queue.length;
  }

  /** A write is to start once this turn of the event loop has run its I/O callbacks. */
  private writeSoon = false;
  private readonly onImmediate = (): void => {
    this.writeSoon = false;
    void this.write();
  };

  private readonly onTimer = (): void => {
    this.timer = null;
    this.due = true;
    void this.write();
  };

  private writtenThrough(seq: number): Promise<boolean> {
    if (seq <= this.writtenSeq) return Promise.resolve(true);
    return new Promise<boolean>((done) => {
      this.waiters.push({ seq, done });
      if (!this.writing && !this.writeSoon) {
        this.writeSoon = true;
        setImmediate(this.onImmediate);
      }
    });
  }

  /**
   * Inserts the queued events while a request waits for one of them or the batch is due: one
   * statement at a time, each of everything queued meanwhile. A lone request waits for its own
   * insert only; concurrent requests share one (a SecretID issue spent a fifth of its CPU on its
   * audit insert when each had its own). With none in flight, the insert starts after the I/O
   * callbacks of the current turn (setImmediate), so requests whose answers arrived in one read
   * of the sockets share it too: 2.2 → 2.9 events per insert and 11% less API CPU per SecretID
   * issue (bench/README.md, session 8), at the cost of no timer.
   */
  private async write(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0 && (this.due || this.waiters.length > 0)) {
        const rows = this.queue.length <= MAX_ROWS_PER_INSERT ? this.queue : this.queue.slice(0, MAX_ROWS_PER_INSERT);
        this.queue = rows === this.queue ? [] : this.queue.slice(MAX_ROWS_PER_INSERT);
        if (this.queue.length === 0) {
          this.due = false;
          if (this.timer) clearTimeout(this.timer);
          this.timer = null;
        }
        const written = await this.insertBatch(rows).then(
          () => true,
          // Once more: the store opens a new connection for it.
          () =>
            this.insertBatch(rows).then(
              () => true,
              (err: unknown) => {
                this.lost(rows, err);
                return false;
              },
            ),
        );
        this.writtenSeq += rows.length;
        // The waiters resolved here are those of this statement's events (earlier ones were resolved before).
        while (this.waiters.length > 0 && this.waiters[0]!.seq <= this.writtenSeq) this.waiters.shift()!.done(written);
      }
    } finally {
      this.writing = false;
    }
    if (this.queue.length > 0) this.timer ??= setTimeout(this.onTimer, this.flushMs).unref();
  }

  /**
   * One INSERT of a JSON array of rows, also for a single event (audit-store.ts). Not createMany: Prisma compiles a
   * createMany anew for every row count, which cost more CPU than the RoleID reads being recorded; nor one array
   * parameter per column, which the driver escapes element by element (a sixth of a RoleID read's garbage;
   * bench/README.md).
   */
  private insertBatch(rows: Row[]): Promise<void> {
    return this.store.insert(storableJson(rows));
  }

  private lost(rows: Row[], err: unknown): void {
    for (const r of rows) {
      this.logger.error(
        { requestId: r.request_id, action: r.action, target: r.target, result: r.result, err: (err as Error).message },
        'audit event could not be recorded',
      );
    }
  }
}
