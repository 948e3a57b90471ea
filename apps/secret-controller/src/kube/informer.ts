/**
 * An informer in client-go's sense: list, then watch from the list's resourceVersion, keeping a local cache of
 * (transformed) objects; a watch that ends is resumed from the last resourceVersion seen, one that answers
 * 410 Expired (history compacted) is replaced by a fresh list, whose differences are reported too. The
 * handler only receives keys (`namespace/name`): what to do is decided by whoever drains them.
 *
 * The watch stream is ours (watch-stream.ts): the controller imports no Kubernetes client library.
 */
import type { Logger } from '../log.js';
import type { KubeClient, KubeObject } from './client.js';
import { watchStream, type WatchEvent, type WatchHandle } from './watch-stream.js';

export type Transform<T> = (obj: KubeObject) => T;

export interface InformerOptions<T> {
  /** e.g. `/api/v1/pods` (all namespaces). */
  path: string;
  labelSelector?: string;
  transform: Transform<T>;
  onChange: (key: string) => void;
  /** After every full list, with the keys it returned. */
  onList?: (keys: ReadonlySet<string>) => void;
  log: Logger;
  /** Seconds a watch lasts before the server ends it (and we resume). */
  watchTimeoutSeconds?: number;
  /** Wait before relisting after an error. */
  retryMs?: number;
}

export const keyOf = (obj: { metadata: { namespace?: string; name?: string } }): string =>
  `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;

export class Informer<T> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private stopped = false;
  private synced = false;
  private current: WatchHandle | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  relists = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: InformerOptions<T>,
  ) {}

  get(key: string): T | undefined {
    return this.cache.get(key);
  }
  keys(): string[] {
    return [...this.cache.keys()];
  }
  values(): T[] {
    return [...this.cache.values()];
  }
  hasSynced(): boolean {
    return this.synced;
  }

  start(): void {
    this.stopped = false;
    void this.relist();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.current?.abort();
  }

  private query(): string {
    const q = new URLSearchParams();
    if (this.options.labelSelector) q.set('labelSelector', this.options.labelSelector);
    const s = q.toString();
    return s ? `?${s}` : '';
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.client.list(`${this.options.path}${this.query()}`);
      this.relists++;
      const seen = new Set<string>();
      for (const item of list.items) {
        const key = keyOf(item);
        seen.add(key);
        this.cache.set(key, this.options.transform(item));
        this.options.onChange(key);
      }
      for (const key of [...this.cache.keys()]) {
        if (!seen.has(key)) {
          this.cache.delete(key);
          this.options.onChange(key);
        }
      }
      this.resourceVersion = list.metadata.resourceVersion ?? '';
      this.synced = true;
      this.options.onList?.(seen);
      this.watch();
    } catch (err) {
      this.options.log.warn('list failed; retrying', { path: this.options.path, error: (err as Error).message });
      this.retryLater();
    }
  }

  private retryLater(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.relist(), this.options.retryMs ?? 1000);
  }

  private watch(): void {
    if (this.stopped) return;
    let expired = false;
    const params: Record<string, string> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(this.options.watchTimeoutSeconds ?? 300),
    };
    if (this.options.labelSelector) params['labelSelector'] = this.options.labelSelector;
    const onEvent = ({ type, object }: WatchEvent) => {
      if (type === 'ERROR') {
        if (object?.code === 410) expired = true;
        return;
      }
      if (object?.metadata?.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
      if (type === 'BOOKMARK') return;
      const key = keyOf(object);
      if (type === 'DELETED') this.cache.delete(key);
      else this.cache.set(key, this.options.transform(object));
      this.options.onChange(key);
    };
    const onDone = (err: Error | null) => {
      this.current = undefined;
      if (this.stopped) return;
      const status = (err as { status?: number } | null)?.status;
      if (expired || status === 410) {
        this.options.log.info('watch expired; relisting', { path: this.options.path });
        void this.relist();
      } else if (err) {
        this.options.log.warn('watch failed; relisting', { path: this.options.path, error: err.message });
        this.retryLater();
      } else {
        this.watch();
      }
    };
    this.current = watchStream(this.client, this.options.path, params, onEvent, onDone);
  }
}
