/** A secret key's lock as the services take it: a key that stays busy is a 409 `secret_busy`. */
import { KeyBusyError, type HeldKey, type LockOptions } from '../../db/key-lock.js';
import { ApiError } from '../../http/api-error.js';
import type { SecretDeps } from './deps.js';

/** Seconds a client is asked to wait before retrying a busy key: a set takes milliseconds. */
const RETRY_AFTER_SECONDS = 1;

export async function withSecretLock<T>(
  deps: Pick<SecretDeps, 'locks'>,
  path: string,
  key: string,
  work: (held: HeldKey) => Promise<T>,
  options?: LockOptions,
): Promise<T> {
  try {
    return await deps.locks.withLock(path, work, options);
  } catch (err) {
    if (err instanceof KeyBusyError && err.key === path) {
      throw new ApiError('secret_busy', `${key} is being changed by other requests; retry in a moment`, {
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      });
    }
    throw err;
  }
}
