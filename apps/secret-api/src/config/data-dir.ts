import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HMAC_KEY_FILE = 'history-hmac.key';
export const VAULT_ROOT_TOKEN_FILE = 'vault-root-token';
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
  const kept = await loadOrCreateSecretFile(join(dir, HMAC_KEY_FILE), {
    what: 'the history HMAC key',
    generate: () => randomBytes(HMAC_KEY_BYTES).toString('base64'),
    isValid: (key) => /^[A-Za-z0-9+/]+={0,2}$/.test(key) && Buffer.from(key, 'base64').length >= HMAC_KEY_BYTES,
    invalid:
      `does not hold a base64 key of at least ${HMAC_KEY_BYTES} bytes; fix it, or remove it to generate a new one ` +
      '(the fingerprints already in the version history will then no longer match any value)',
  });
  return { key: kept.value, path: kept.path, created: kept.created };
}

/**
 * The root token id of the embedded vault-dev, kept in `<dir>/vault-root-token` (mode 0600). vault-dev keeps its
 * state in the data directory, and that state knows its root token: every start must hand vault-dev the same id.
 */
export async function loadOrCreateVaultRootToken(
  dir: string,
): Promise<{ token: string; path: string; created: boolean }> {
  const kept = await loadOrCreateSecretFile(join(dir, VAULT_ROOT_TOKEN_FILE), {
    what: "vault-dev's root token",
    generate: () => randomBytes(24).toString('hex'),
    isValid: (token) => /^[A-Za-z0-9._-]{16,256}$/.test(token),
    invalid:
      "does not hold a root token id (16-256 letters, digits, '.', '_', '-'); fix it, or move the data directory " +
      'aside to start with an empty vault-dev',
  });
  return { token: kept.value, path: kept.path, created: kept.created };
}

/** A generated secret kept in one owner-only file, created on first use and reused on every later one. */
async function loadOrCreateSecretFile(
  path: string,
  spec: { what: string; generate: () => string; isValid: (value: string) => boolean; invalid: string },
): Promise<{ value: string; path: string; created: boolean }> {
  const fresh = spec.generate();
  try {
    // 'wx': two first starts racing must end up with one value, not each with its own.
    await writeFile(path, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
    return { value: fresh, path, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new Error(`cannot write ${spec.what} ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  let value = (await readFile(path, 'utf8')).trim();
  for (let retry = 0; value === '' && retry < 5; retry++) {
    // Another start created the file a moment ago and is still writing it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = (await readFile(path, 'utf8')).trim();
  }
  if (!spec.isValid(value)) throw new Error(`${path} ${spec.invalid}`);
  return { value, path, created: false };
}
