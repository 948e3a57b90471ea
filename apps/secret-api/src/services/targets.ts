/**
 * The app and cluster a path names; their absence is a 404 for any authenticated caller. Also the
 * AppRole binding of an app in a cluster, which every SecretID issue checks.
 *
 * Every request naming an app or cluster needs its row for the authorisation decision, and those
 * rows rarely change, so they are cached. Bounds:
 * - A row is served for at most `ttlMs` (default 1 s) after it was read: the longest a change made
 *   elsewhere can go unnoticed, even when no invalidation reaches this process.
 * - Any change to apps or clusters made through an API process clears the cache of every process at
 *   once (see change-listener.ts: PostgreSQL NOTIFY), so in practice a change is seen right away.
 * - Absence is never cached: an app created a moment ago is found on the next request.
 * - At most `maxEntries` (default 10,000) rows per kind, each well under 1 KiB.
 */
import type { App, AppRoleBinding, Cluster, PrismaClient } from '@secret-api/prisma';
import { notFound } from '../http/api-error.js';
import { requireBinding } from './approle/binding.js';

export const DEFAULT_TARGET_TTL_MS = 1_000;
export const DEFAULT_MAX_TARGETS = 10_000;

export async function loadApp(prisma: Pick<PrismaClient, 'app'>, name: string): Promise<App> {
  const app = await prisma.app.findUnique({ where: { name } });
  if (!app) throw notFound(`app '${name}' does not exist`);
  return app;
}

export async function loadCluster(prisma: Pick<PrismaClient, 'cluster'>, name: string): Promise<Cluster> {
  const cluster = await prisma.cluster.findUnique({ where: { name } });
  if (!cluster) throw notFound(`cluster '${name}' does not exist`);
  return cluster;
}

export interface TargetCacheOptions {
  ttlMs?: number | undefined;
  maxEntries?: number | undefined;
  now?: (() => number) | undefined;
}

interface Entry<T> {
  row: Promise<T>;
  expiresAt: number;
}

/** Rows of one kind by name; a lookup in flight is shared by every request asking meanwhile. */
class RowCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly load: (name: string) => Promise<T>,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get(name: string): Promise<T> {
    const hit = this.entries.get(name);
    if (hit && this.now() < hit.expiresAt) return hit.row;
    if (this.entries.size >= this.maxEntries && !hit) this.entries.delete(this.entries.keys().next().value as string);
    const entry: Entry<T> = { row: this.load(name), expiresAt: this.now() + this.ttlMs };
    this.entries.set(name, entry);
    // A failed lookup (404, database down) is not remembered; a clear() meanwhile already dropped it.
    entry.row.catch(() => {
      if (this.entries.get(name) === entry) this.entries.delete(name);
    });
    return entry.row;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export class TargetCache {
  private readonly apps: RowCache<App>;
  private readonly clusters: RowCache<Cluster>;
  private readonly bindings: RowCache<AppRoleBinding>;

  constructor(prisma: Pick<PrismaClient, 'app' | 'cluster' | 'appRoleBinding'>, options: TargetCacheOptions = {}) {
    const ttlMs = options.ttlMs ?? DEFAULT_TARGET_TTL_MS;
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_TARGETS;
    const now = options.now ?? Date.now;
    if (!(ttlMs >= 0) || !Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new Error('ttlMs must be >= 0 and maxEntries a positive integer');
    }
    this.apps = new RowCache((name) => loadApp(prisma, name), ttlMs, maxEntries, now);
    this.clusters = new RowCache((name) => loadCluster(prisma, name), ttlMs, maxEntries, now);
    this.bindings = new RowCache(
      (key) => {
        const [app = '', cluster = ''] = key.split('\0');
        return requireBinding(prisma, app, cluster);
      },
      ttlMs,
      maxEntries,
      now,
    );
  }

  /** The app's AppRole binding in the cluster, or the 404 that it was never ensured there. */
  binding(app: string, cluster: string): Promise<AppRoleBinding> {
    return this.bindings.get(`${app}\0${cluster}`);
  }

  app(name: string): Promise<App> {
    return this.apps.get(name);
  }

  cluster(name: string): Promise<Cluster> {
    return this.clusters.get(name);
  }

  /** Forgets every row: something changed apps or clusters, here or in another process. */
  clear(): void {
    this.apps.clear();
    this.clusters.clear();
    this.bindings.clear();
  }

  get size(): { apps: number; clusters: number; bindings: number } {
    return { apps: this.apps.size, clusters: this.clusters.size, bindings: this.bindings.size };
  }
}
