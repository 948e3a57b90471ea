/**
 * The Secret API started exactly as a user starts it: `node apps/secret-api/bin/secret-api.js` with no VAULT_ADDR,
 * so it brings up its embedded dev stack (vault-dev child, dev JWT issuer) and prints the exports to paste. Other
 * identities than the banner's admin are signed here with the dev issuer's key from DATA_DIR.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importJWK, SignJWT } from 'jose';
import type { JWK } from 'jose';
import { createTestDatabase } from './postgres.js';
import type { TestDatabase } from './postgres.js';

const API_BIN = fileURLToPath(new URL('../../../secret-api/bin/secret-api.js', import.meta.url));
// The embedded stack's dev issuer (apps/secret-api/src/embedded/stack.ts).
const DEV_ISSUER = 'http://127.0.0.1/secret-api-dev-issuer';
const DEV_AUDIENCE = 'secret-api';
export const ADMIN_SUBJECT = 'dev-admin@localhost';

export interface RunningApi {
  url: string;
  adminToken: string;
  dataDir: string;
  db: TestDatabase;
  /** A JWT from the dev issuer for any subject and groups (groups are required by the dev issuer config). */
  sign(subject: string, groups?: string[], options?: { expiresIn?: number }): Promise<string>;
  stop(): Promise<void>;
}

function exported(text: string, name: string): string | undefined {
  return new RegExp(`^\\s*export ${name}=(\\S+)`, 'm').exec(text)?.[1];
}

export async function startApi(label: string): Promise<RunningApi> {
  const db = await createTestDatabase(label);
  const dataDir = await mkdtemp(join(tmpdir(), 'deployer-cli-api-'));
  const env: Record<string, string | undefined> = { ...process.env };
  // Anything that would take the API out of embedded mode, or point the CLI under test elsewhere.
  for (const name of ['VAULT_ADDR', 'VAULT_TOKEN', 'AUTH_ISSUERS', 'ADMIN_GROUPS', 'HISTORY_HMAC_KEY', 'HOST']) {
    delete env[name];
  }
  const child = spawn(process.execPath, [API_BIN], {
    // No embedded Kubernetes: its clusters (and their controllers) would be registered in the API before a test
    // creates its own, and the CLI's tests talk to the API only.
    env: {
      ...env,
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      EMBEDDED_KUBERNETES: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));

  const ready = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Secret API did not start in time:\n${stderr}`)), 45_000);
    const check = (): void => {
      const url = exported(stdout, 'SECRET_API_URL');
      const token = exported(stdout, 'SECRET_API_TOKEN');
      if (url && token) {
        clearTimeout(timer);
        resolve({ url, token });
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Secret API exited (${code}) before it was ready:\n${stderr}`));
    });
  });

  const keyJwk = JSON.parse(await readFile(join(dataDir, 'dev-issuer', 'issuer-key.json'), 'utf8')) as JWK;
  const alg = keyJwk.alg ?? 'ES256';
  const key = await importJWK(keyJwk, alg);

  return {
    url: ready.url,
    adminToken: ready.token,
    dataDir,
    db,
    sign: (subject, groups = [], options = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: subject, groups })
        .setProtectedHeader({ alg, ...(keyJwk.kid !== undefined && { kid: keyJwk.kid }), typ: 'JWT' })
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresIn ?? 600))
        .sign(key);
    },
    stop: async () => {
      await stopChild(child);
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
