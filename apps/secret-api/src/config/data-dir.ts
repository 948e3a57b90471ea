import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HMAC_KEY_FILE = 'history-hmac.key';
const HMAC_KEY_BYTES = 32;

/**
 * Creates the data directory owner-only: it holds the dev issuer's private key, the history HMAC key and the
 * embedded database. A directory the user already has is left as it is.
 */
export async function ensureDataDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask; only directories we created are ours to tighten.
  if (created !== undefined) await chmod(dir, 0o700);
}

/**
 * The key of the history fingerprints, kept in `<dir>/history-hmac.key` (base64, mode 0600). It must survive
 * restarts: the history rows in the embedded database are fingerprinted with it, and a new key would make
 * every old fingerprint unmatchable.
 */
export async function loadOrCreateHmacKey(dir: string): Promise<{ key: string; path: string; created: boolean }> {
  const path = join(dir, HMAC_KEY_FILE);
  const fresh = randomBytes(HMAC_KEY_BYTES).toString('base64');
  try {
    // 'wx': two first starts racing must end up with one key, not each with its own.
    await writeFile(path, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
    return { key: fresh, path, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new Error(`cannot write the history HMAC key ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  let key = (await readFile(path, 'utf8')).trim();
  for (let retry = 0; key === '' && retry < 5; retry++) {
    // Another start created the file a moment ago and is still writing it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    key = (await readFile(path, 'utf8')).trim();
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length < HMAC_KEY_BYTES) {
    throw new Error(
      `${path} does not hold a base64 key of at least ${HMAC_KEY_BYTES} bytes; fix it, or remove it to generate a ` +
        'new one (the fingerprints already in the version history will then no longer match any value)',
    );
  }
  return { key, path, created: false };
}
