/** Reading, writing and removing one app's Vault objects in one cluster (product.md §3). */
import type { VaultClient } from '@secret-api/vault-client';
import {
  renderVaultObjects,
  type ActualPolicy,
  type ActualVaultObjects,
  type PendingWrite,
  type PolicyTemplate,
  type VaultObjects,
} from '@secret-api/vault-policy';
import { createHash } from 'node:crypto';
import { ApiError } from '../../http/api-error.js';

export interface RenderDeps {
  template: PolicyTemplate;
  config: { vault: { kvMount: string; approleMount: string } };
}

/**
 * Rendered objects per template and (app, cluster): rendering is pure, and every RoleID read needs the names.
 * Sized for a fleet (1,000 apps × a few clusters) so a pass over all of them does not evict its own entries;
 * an entry is ~3 KiB, so the bound is ~30 MiB.
 */
const rendered = new WeakMap<PolicyTemplate, Map<string, VaultObjects>>();
const RENDER_CACHE_SIZE = 10_000;

export function desiredObjects(deps: RenderDeps, app: string, cluster: string): VaultObjects {
  let cache = rendered.get(deps.template);
  if (!cache) rendered.set(deps.template, (cache = new Map()));
  const key = `${deps.config.vault.kvMount}\0${deps.config.vault.approleMount}\0${app}\0${cluster}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const objects = renderVaultObjects(app, cluster, deps.template, {
    kvMount: deps.config.vault.kvMount,
    approleMount: deps.config.vault.approleMount,
  });
  if (cache.size >= RENDER_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, deepFreeze(objects));
  return objects;
}

/** Cached objects are shared by every request: none may change them. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

const hashes = new WeakMap<VaultObjects, string>();

/** A fingerprint of everything rendered, recorded with the binding: it tells which template an ensure applied. */
export function objectsHash(objects: VaultObjects): string {
  let hash = hashes.get(objects);
  if (hash === undefined) {
    hash = createHash('sha256').update(JSON.stringify(objects)).digest('hex');
    // Rendered objects are frozen and shared (desiredObjects), so their hash never changes.
    if (Object.isFrozen(objects)) hashes.set(objects, hash);
  }
  return hash;
}

type VaultReads = Pick<VaultClient, 'send'>;

/**
 * GET, null when the object does not exist. A 404 that says no engine is mounted there is not
 * "does not exist": it would make the plan create objects that can never be written.
 */
export async function readObject<T>(vault: VaultReads, path: string): Promise<T | null> {
  const reply = await vault.send('GET', path, { idempotent: true });
  if (reply.status !== 404) return (reply.body?.data ?? null) as T | null;
  const errors: unknown = reply.body?.errors;
  if (Array.isArray(errors) && errors.some((e) => typeof e === 'string' && e.startsWith('no handler for route'))) {
    const mount = path.split('/').slice(0, 2).join('/');
    throw new ApiError(
      'vault_unavailable',
      `Vault has nothing mounted at ${mount}/: enable AppRole at VAULT_APPROLE_MOUNT and KV version 2 at VAULT_KV_MOUNT`,
    );
  }
  return null;
}

export async function readActualObjects(vault: VaultReads, desired: VaultObjects): Promise<ActualVaultObjects> {
  const [readPolicy, getSecretIdPolicy, approle, tokenRole] = await Promise.all([
    readObject<ActualPolicy>(vault, desired.readPolicy.path),
    readObject<ActualPolicy>(vault, desired.getSecretIdPolicy.path),
    readObject<Record<string, unknown>>(vault, desired.approle.path),
    readObject<Record<string, unknown>>(vault, desired.tokenRole.path),
  ]);
  return { readPolicy, getSecretIdPolicy, approle, tokenRole };
}

/** The AppRole's RoleID, or null when the role does not exist in Vault. */
export async function readRoleId(vault: VaultReads, desired: VaultObjects): Promise<string | null> {
  const data = await readObject<{ role_id?: unknown }>(vault, `${desired.approle.path}/role-id`);
  return typeof data?.role_id === 'string' ? data.role_id : null;
}

/**
 * Writes policies before the roles that name them; within each step the writes are independent, so
 * they go together (one round trip per step, not per object). Each write is a full, idempotent upsert; a token role
 * to be created anew is deleted first.
 */
export async function writeObjects(
  vault: Pick<VaultClient, 'write' | 'delete'>,
  writes: readonly PendingWrite[],
): Promise<void> {
  const write = async (w: PendingWrite) => {
    // A token role with a field set that the API's own policy does not let it write back (plan.ts).
    if (w.recreate) await vault.delete(w.path);
    await vault.write(w.path, w.body, { idempotent: true });
  };
  await settleAll(writes.filter((w) => w.kind === 'policy').map(write));
  await settleAll(writes.filter((w) => w.kind !== 'policy').map(write));
}

/**
 * Like Promise.all, but waits for every promise before rejecting with the first failure: a write still in
 * flight when the caller gives up would land after the app's lock is released.
 */
export async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Removes the objects, roles before the policies they name. Deleting what is already gone is fine. */
export async function deleteObjects(vault: Pick<VaultClient, 'delete'>, objects: VaultObjects): Promise<void> {
  await Promise.all([vault.delete(objects.approle.path), vault.delete(objects.tokenRole.path)]);
  await Promise.all([vault.delete(objects.readPolicy.path), vault.delete(objects.getSecretIdPolicy.path)]);
}
