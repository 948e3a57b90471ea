/**
 * Per-token private storage, after Vault's `vault/logical_cubbyhole.go`: each
 * token sees only its own cubbyhole, which dies with the token. Response
 * wrapping keeps the wrapped answer in the wrapping token's cubbyhole.
 */
import { FrameworkBackend, type BackendFactory } from '../sdk/framework.js';
import { objectEntry, toJson, type Persistable, type PersistedEntries } from '../persist/persistable.js';
import { VaultError } from '../sdk/errors.js';
import type { Request, Response } from '../sdk/logical.js';

export class CubbyholeStore implements Persistable {
  private readonly byToken = new Map<string, Map<string, Record<string, unknown>>>();

  get(tokenId: string, key: string): Record<string, unknown> | undefined {
    return this.byToken.get(tokenId)?.get(key);
  }

  put(tokenId: string, key: string, value: Record<string, unknown>): void {
    let store = this.byToken.get(tokenId);
    if (!store) this.byToken.set(tokenId, (store = new Map()));
    store.set(key, value);
  }

  delete(tokenId: string, key: string): void {
    this.byToken.get(tokenId)?.delete(key);
  }

  /** Keys directly under `prefix` (folders end in `/`), sorted. */
  list(tokenId: string, prefix: string): string[] {
    const out = new Set<string>();
    for (const key of this.byToken.get(tokenId)?.keys() ?? []) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }

  dropToken(tokenId: string): void {
    this.byToken.delete(tokenId);
  }

  /** One entry per token: its whole cubbyhole. */
  snapshot(): PersistedEntries {
    const out: PersistedEntries = {};
    for (const [tokenId, store] of this.byToken) {
      if (store.size > 0) out[tokenId] = toJson(Object.fromEntries(store));
    }
    return out;
  }

  restore(entries: PersistedEntries): void {
    this.byToken.clear();
    for (const [tokenId, value] of Object.entries(entries)) {
      const items = objectEntry(value, 'cubbyhole');
      for (const [key, item] of Object.entries(items)) {
        this.put(tokenId, key, objectEntry(item, 'cubbyhole value') as Record<string, unknown>);
      }
    }
  }
}

/**
 * Whose cubbyhole a request addresses. The existence check runs before the
 * core has checked the token (create-vs-update is decided before the ACL), so
 * it only has the client token itself; the handlers run after the check.
 */
function tokenIdOf(req: Request): string {
  const id = req.tokenEntry?.id ?? req.clientToken;
  // Vault returns this as a plain error (500).
  if (!id) throw new VaultError('client token empty');
  return id;
}

export function cubbyholeBackendFactory(store: CubbyholeStore): BackendFactory {
  // Vault's handleRead/handleWrite fail with plain errors (500, multierror-wrapped),
  // and a write checks for data before it checks the path.
  const read = (req: Request): Response | null => {
    const id = tokenIdOf(req);
    if (req.relativePath === '') throw new VaultError('missing path');
    const value = store.get(id, req.relativePath);
    return value ? { data: { ...value } } : null;
  };
  const write = (req: Request): Response | null => {
    const id = tokenIdOf(req);
    if (!req.data || Object.keys(req.data).length === 0) throw new VaultError('missing data fields');
    if (req.relativePath === '' || req.relativePath.endsWith('/')) throw new VaultError('missing path');
    store.put(id, req.relativePath, { ...req.data });
    return null;
  };
  return () =>
    new FrameworkBackend('cubbyhole', [
      {
        pattern: '.*',
        takesArbitraryInput: true,
        operations: {
          read,
          create: write,
          update: write,
          delete: (req) => {
            store.delete(tokenIdOf(req), req.relativePath);
            return null;
          },
          list: (req) => {
            const keys = store.list(tokenIdOf(req), req.relativePath);
            return keys.length > 0 ? { data: { keys } } : null;
          },
        },
        // Runs before the token check: without a token there is nothing to find (the check then answers 403).
        existenceCheck: (req) => {
          const id = req.tokenEntry?.id ?? req.clientToken;
          return id !== '' && store.get(id, req.relativePath) !== undefined;
        },
      },
    ]);
}
