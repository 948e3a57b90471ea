/**
 * Announces that a secret changed: its cached history pages go here at once and, through
 * PostgreSQL NOTIFY (change-listener.ts), in every other API process. Notices travel in batches:
 * one statement in flight carries every path queued meanwhile, so a burst of sets costs a
 * statement per batch, not one per set. At most `MAX_QUEUED` paths wait; past that, or for a path
 * too long for a notice, one notice that any secret may have changed stands for them all. A batch
 * that cannot be sent is logged, and other processes then see the change within their TTL.
 *
 * A set, the common change, needs no notice of its own: the statement that confirms its version and
 * releases the key's lock carries it ({@link ANNOUNCE_CALL}). A statement is a socket write, and on a
 * busy API most sets would otherwise each start a batch of one.
 */
import type { Logger } from '../../observability/logger.js';
import { SECRETS_CHANNEL } from '../change-listener.js';
import type { HistoryCache } from './history-cache.js';

const MAX_QUEUED = 1_000;
/** PostgreSQL refuses a notice payload of 8,000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_999;
/** The payload that stands for every secret. */
export const ANY_SECRET = '';

/**
 * A SQL call that announces the change of the secret whose lock the statement runs under: `$2`
 * is the lock's key, the secret's path (db/key-lock.ts). Sent on commit, with the statement that
 * releases the lock. A statement that releases a secret's lock names it `announced`, so that
 * withKeyLock (secret-lock.ts) knows the change is told and sends no notice of its own.
 */
export const ANNOUNCE_CALL = `pg_notify('${SECRETS_CHANNEL}', CASE WHEN octet_length($2) <= ${MAX_PAYLOAD_BYTES} THEN $2 ELSE '${ANY_SECRET}' END)`;

/** Sends one notice per payload, in one statement. */
export type SendNotices = (payloads: string[]) => Promise<void>;

export class SecretChanges {
  private queued = new Set<string>();
  private sending: Promise<void> | undefined;

  constructor(
    private readonly history: HistoryCache,
    /** Undefined where there is no other process to tell (the embedded database). */
    private readonly send: SendNotices | undefined,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /** The secret at `path` changed (its change is committed). */
  changed(path: string): void {
    this.history.forget(path);
    if (!this.send) return;
    if (this.queued.has(ANY_SECRET)) return;
    if (this.queued.size >= MAX_QUEUED || Buffer.byteLength(path) > MAX_PAYLOAD_BYTES) {
      this.queued = new Set([ANY_SECRET]);
    } else {
      this.queued.add(path);
    }
    this.sending ??= this.sendQueued();
  }

  /** The secret at `path` changed, and the statement that made the change told the other processes ({@link ANNOUNCE_CALL}). */
  announced(path: string): void {
    this.history.forget(path);
  }

  /** A notice from another process: `path` changed there, or any secret when it is {@link ANY_SECRET}. */
  noticed(path: string): void {
    if (path === ANY_SECRET) this.history.clear();
    else this.history.forget(path);
  }

  /** Resolves once every notice queued before the call is sent (or given up). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async sendQueued(): Promise<void> {
    while (this.queued.size > 0) {
      const payloads = [...this.queued];
      this.queued = new Set();
      try {
        await this.send!(payloads);
      } catch (err) {
        this.logger.warn(
          { err: (err as Error).message, secrets: payloads.length },
          'could not tell other processes that secrets changed; they see it within their history cache TTL',
        );
      }
    }
    // Synchronously after the last check: a change from now on starts a new batch.
    this.sending = undefined;
  }
}
