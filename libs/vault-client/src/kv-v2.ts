/** KV version 2 on one mount, through the generic calls (node-vault has no KV v2 helpers). */
import type { VaultClient } from './client.js';
import type { KvMetadata, KvSecret, KvVersionMetadata } from './types.js';

function keyPath(key: string): string {
  return key.replace(/^\/+/, '');
}

export class KvV2 {
  constructor(
    private readonly client: VaultClient,
    readonly mount: string,
  ) {}

  /**
   * Reads the latest (or a given) version. `null` when the key or version does
   * not exist; a soft-deleted or destroyed version comes back with `data: null`
   * and `deleted`/`destroyed` set (Vault's 404-with-metadata).
   */
  async get<T = Record<string, unknown>>(key: string, options: { version?: number } = {}): Promise<KvSecret<T> | null> {
    const query = options.version !== undefined ? `?version=${Math.floor(options.version)}` : '';
    const reply = await this.client.send('GET', `${this.mount}/data/${keyPath(key)}${query}`, { idempotent: true });
    const metadata = reply.body?.data?.metadata as KvVersionMetadata | undefined | null;
    if (!metadata) return null;
    if (reply.status === 404) {
      return { data: null, metadata, deleted: metadata.deletion_time !== '', destroyed: metadata.destroyed === true };
    }
    return { data: (reply.body.data.data ?? null) as T | null, metadata, deleted: false, destroyed: false };
  }

  /**
   * Writes a new version and returns its number. `cas: 0` creates only; `cas: n`
   * updates only from version n (VaultCasMismatchError otherwise). Not retried
   * after an ambiguous failure: a resend could write a second version.
   */
  async put(key: string, data: Record<string, unknown>, options: { cas?: number } = {}): Promise<number> {
    return (await this.write(key, data, options)).version;
  }

  /**
   * {@link put}, also returning the new version's `created_time` from Vault's answer (null if it
   * gave none), so a caller that records it needs no metadata read after the write.
   */
  async write(
    key: string,
    data: Record<string, unknown>,
    options: { cas?: number } = {},
  ): Promise<{ version: number; createdTime: string | null }> {
    const body = options.cas !== undefined ? { data, options: { cas: options.cas } } : { data };
    const result = await this.client.write<{ version?: number; created_time?: string }>(
      `${this.mount}/data/${keyPath(key)}`,
      body,
    );
    const createdTime = result.data?.created_time;
    return { version: result.data?.version ?? 0, createdTime: typeof createdTime === 'string' ? createdTime : null };
  }

  /** The key's metadata (versions, current_version, custom_metadata) or `null`. */
  metadata(key: string): Promise<KvMetadata | null> {
    return this.client.read<KvMetadata>(`${this.mount}/metadata/${keyPath(key)}`);
  }

  /** Soft-deletes the latest version. */
  delete(key: string): Promise<void> {
    return this.client.delete(`${this.mount}/data/${keyPath(key)}`);
  }

  /** Removes every version and the metadata permanently. */
  deleteMetadata(key: string): Promise<void> {
    return this.client.delete(`${this.mount}/metadata/${keyPath(key)}`);
  }

  /** Keys under a prefix (`folder/` entries end in `/`); `[]` when there are none. */
  list(prefix = ''): Promise<string[]> {
    const p = keyPath(prefix).replace(/\/+$/, '');
    return this.client.list(p ? `${this.mount}/metadata/${p}` : `${this.mount}/metadata`);
  }
}

/**
 * Whether a KV v2 version is deleted at `now`: its deletion_time has passed. A deletion_time in the future is
 * delete_version_after's schedule (per key or mount-wide): until then the version is live, readable, and the
 * current version for cas.
 */
export function isDeletedAt(deletionTime: string, now: number = Date.now()): boolean {
  if (deletionTime === '') return false;
  const at = Date.parse(deletionTime);
  return Number.isNaN(at) || at <= now;
}
