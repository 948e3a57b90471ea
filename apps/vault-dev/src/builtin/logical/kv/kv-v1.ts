/**
 * KV version 1: the non-versioned pass-through store (passthrough.go). Every
 * path below the mount is a secret; a write stores the whole request body and
 * a read returns it, with a lease duration taken from its `ttl` (or `lease`)
 * field when that parses, else the mount's default lease TTL.
 */
import { parseDurationSecond } from '../../../sdk/duration.js';
import { errorResponse } from '../../../sdk/errors.js';
import { FrameworkBackend, type Backend, type BackendConfig, type FieldData } from '../../../sdk/framework.js';
import { ChangeMarks, StateFormatError, type PersistedEntries } from '../../../persist/persistable.js';
import type { Response } from '../../../sdk/logical.js';
import { canonicalize, hasOwn, listChildren, listPrefix } from './store.js';

/** The lease duration a v1 read reports: the secret's own ttl/lease field when it parses, else the mount default. */
export function passthroughTTL(secret: Record<string, unknown>, defaultTTL: number): number {
  let raw: unknown;
  if (hasOwn(secret, 'ttl')) raw = secret['ttl'];
  else if (hasOwn(secret, 'lease')) raw = secret['lease'];
  else return defaultTTL;
  try {
    return parseDurationSecond(raw);
  } catch {
    return defaultTTL;
  }
}

export function createKvV1Backend(config: BackendConfig): Backend {
  /** path → the body as canonical JSON text. */
  const store = new Map<string, string>();
  const changes = new ChangeMarks();
  const keyOf = (data: FieldData): string => data.get<string>('path');

  const backend = new FrameworkBackend(
    'kv',
    [
      {
        pattern: '(?<path>.*)$',
        fields: { path: { type: 'string', description: 'Location of the secret.' } },
        takesArbitraryInput: true,
        existenceCheck: (_req, data) => store.has(keyOf(data)),
        operations: {
          read: (_req, data): Response | null => {
            const text = store.get(keyOf(data));
            if (text === undefined) return null;
            const secret = JSON.parse(text) as Record<string, unknown>;
            // A Secret without a lease: the core reports its TTL as lease_duration
            // but registers no lease for a non-leased kv mount (lease_id stays "").
            return {
              data: secret,
              secret: { ttl: passthroughTTL(secret, config.system.defaultLeaseTTL()), maxTTL: 0, renewable: false },
            };
          },
          create: (req, data) => write(req.data, keyOf(data)),
          update: (req, data) => write(req.data, keyOf(data)),
          delete: (_req, data) => {
            store.delete(keyOf(data));
            changes.mark(keyOf(data));
            return null;
          },
          list: (_req, data) => {
            const keys = listChildren(store.keys(), listPrefix(keyOf(data)));
            return keys.length === 0 ? null : { data: { keys } };
          },
        },
      },
    ],
    {},
  );
  // One entry per secret path: the body's canonical JSON text.
  backend.persistence = {
    snapshot: (): PersistedEntries => Object.fromEntries(store),
    restore: (entries: PersistedEntries): void => {
      store.clear();
      for (const [path, text] of Object.entries(entries)) {
        if (typeof text !== 'string') throw new StateFormatError('kv v1: a secret is not JSON text');
        store.set(path, text);
      }
      changes.markAll();
    },
    changes,
    entry: (path: string) => store.get(path),
  };
  return backend;

  function write(body: Record<string, unknown> | null, key: string): Response | null {
    if (key === '') return errorResponse('missing path');
    if (!body || Object.keys(body).length === 0) return errorResponse('missing data fields');
    store.set(key, JSON.stringify(canonicalize(body)));
    changes.mark(key);
    return null;
  }
}
