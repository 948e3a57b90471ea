/**
 * Tells every API process that apps or clusters changed, so each drops its cached rows
 * (targets.ts). PostgreSQL NOTIFY on one channel; each process LISTENs on a dedicated session.
 * While that session is down the cache is cleared and the TTL bound alone holds, until it is back.
 */
import pg from 'pg';
import type { Logger } from '../observability/logger.js';

export const TARGETS_CHANNEL = 'secret_api_targets';
const RECONNECT_MS = 1_000;

/** Runs NOTIFY: after a change commits, on the same database as the listeners. */
export type NotifyTargets = () => Promise<void>;

export class TargetChangeListener {
  private client: pg.Client | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onChange: () => void,
    private readonly logger: Logger,
  ) {}

  /** Resolves once listening (or once the first attempt failed; it retries in the background). */
  async start(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => this.onChange());
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${TARGETS_CHANNEL}`);
      this.client = client;
      // Anything may have changed while nobody was listening.
      this.onChange();
    } catch (err) {
      this.lost(client, err as Error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private lost(client: pg.Client, err?: Error): void {
    if (client !== this.client && this.client !== undefined) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.onChange();
    if (this.closed || this.timer) return;
    this.logger.warn(
      { err: err?.message },
      'lost the database session that listens for app and cluster changes; cached rows now expire by TTL alone',
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.start();
    }, RECONNECT_MS);
    this.timer.unref();
  }
}
