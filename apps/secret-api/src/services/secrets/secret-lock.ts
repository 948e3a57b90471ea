/**
 * A secret key's lock as the services take it. Every change of a key's history and Vault versions
 * happens holding it, so letting it go is where the change is announced (secret-changes.ts); a
 * key that stays busy is a 409 `secret_busy`.
 */
import { KeyBusyError, type HeldKey, type LockOptions } from '../../db/key-lock.js';
import { ApiError } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';

/** Seconds a client is asked to wait before retrying a busy key: a set takes milliseconds. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Runs `work` holding the key's lock and announces afterwards that the key changed (whether or not
 * `work` succeeded): with a notice of its own, unless the statement that released the lock carried
 * it (a column `announced`: secret-changes.ts, `ANNOUNCE_CALL`).
 */
export function withKeyLock<T>(
  deps: Pick<SecretDeps, 'locks' | 'secretChanges'>,
  path: string,
  work: (held: HeldKey) => Promise<T>,
  options?: LockOptions,
): Promise<T> {
  return deps.locks.withLock(
    path,
    async (held) => {
      let announced = false;
      const announcing: HeldKey = {
        read: held.read,
        releaseWith: async (statement) => {
          const rows = await held.releaseWith(statement);
          announced = rows?.[0] !== undefined && 'announced' in rows[0];
          return rows;
        },
      };
      try {
        return await work(announcing);
      } finally {
        if (announced) deps.secretChanges.announced(path);
        else deps.secretChanges.changed(path);
      }
    },
    options,
  );
}

/** {@link withKeyLock}, a key that stays busy answered as `secret_busy`. */
export async function withSecretLock<T>(
  deps: Pick<SecretDeps, 'locks' | 'secretChanges'>,
  path: string,
  key: string,
  work: (held: HeldKey) => Promise<T>,
  options?: LockOptions,
): Promise<T> {
  try {
    return await withKeyLock(deps, path, work, options);
  } catch (err) {
    if (err instanceof KeyBusyError && err.key === path) {
      throw new ApiError('secret_busy', `${key} is being changed by other requests; retry in a moment`, {
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      });
    }
    throw err;
  }
}
