/**
 * Tells every API process what another one changed, so each drops what it cached of it: apps and
 * clusters (targets.ts) and secret histories (secrets/history-cache.ts). PostgreSQL NOTIFY, one
 * channel per kind; each process LISTENs on one dedicated session. While that session is down,
 * notices are missed, so every cache is cleared and the TTL bounds alone hold until it is back.
 */
import pg from 'pg';
import type { Logger } from '../observability/logger.js';

/** A notice on it: apps, clusters or AppRoles changed; the payload is empty. */
export const TARGETS_CHANNEL = 'secret_api_targets';
/** A notice on it: the secret at the KV path in the payload changed; an empty payload, any secret. */
export const SECRETS_CHANNEL = 'secret_api_secrets';
const RECONNECT_MS = 1_000;

export interface ChangeHandlers {
  /** What to do with a notice, by channel. */
  channels: Record<string, (payload: string) => void>;
  /** Notices may have been missed (not listening yet, or the session lost): forget everything. */
  missed: () => void;
}

export class ChangeListener {
  private client: pg.Client | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: ChangeHandlers,
    private readonly logger: Logger,
  ) {}

  /** Resolves once listening (or once the first attempt failed; it retries in the background). */
  async start(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', ({ channel, payload }) => this.handlers.channels[channel]?.(payload ?? ''));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of Object.keys(this.handlers.channels)) await client.query(`LISTEN ${channel}`);
      this.client = client;
      // Anything may have changed while nobody was listening.
      this.handlers.missed();
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
    this.handlers.missed();
    if (this.closed || this.timer) return;
    this.logger.warn(
      { err: err?.message },
      'lost the database session that listens for changes made by other API processes; cached rows now expire by TTL alone',
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.start();
    }, RECONNECT_MS);
    this.timer.unref();
  }
}
