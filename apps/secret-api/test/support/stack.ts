/**
 * A real stack for HTTP tests: vault-dev (the Vault stand-in) with AppRole enabled, a fresh
 * PostgreSQL database, a local JWT issuer whose JWKS is a file, and the API itself started the way
 * `secret-api` starts it (parseConfig → startSecretApi), on a free port.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startVaultDev, type VaultDev } from 'vault-dev';
import { LocalIssuer } from '../../src/auth/local-issuer.js';
import { parseConfig } from '../../src/config/env.js';
import { startSecretApi, type RunningSecretApi } from '../../src/server.js';
import { ApiClient } from './http.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export const ISSUER = 'https://issuer.test.example';
export const AUDIENCE = 'secret-api';
export const ADMIN_GROUP = 'platform-admins';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Vault's JSON, read by tests field by field
type VaultJson = any;

export interface StackOptions {
  /** Extra or overriding environment variables for the API; a function may route them through proxies. */
  env?:
    | Record<string, string | undefined>
    | ((parts: { vault: VaultDev; db: TestDatabase }) => Promise<Record<string, string | undefined>>);
  /**
   * Vault token for the API. Default: a periodic token holding only deploy/vault/secret-api.hcl
   * (and `default`), the least policy we ship, so every HTTP test also proves that policy suffices.
   */
  vaultToken?: (vault: VaultDev) => Promise<string>;
  /** Sees the text of every SQL statement the API sends. */
  onDatabaseQuery?: (sql: string) => void;
}

export interface Stack {
  api: RunningSecretApi;
  vault: VaultDev;
  issuer: LocalIssuer;
  db: TestDatabase;
  /**
   * As if the deleted apps' and clusters' pod tokens had all expired: their names may be created again at once
   * (services/name-reuse.ts). Moves the recorded deletions back.
   */
  tokensOfDeletedNamesExpired(): Promise<void>;
  env: Record<string, string | undefined>;
  /** Unauthenticated client. */
  client: ApiClient;
  /** Every log line the API wrote, parsed. */
  logs: Record<string, unknown>[];
  /** A client whose JWT has this subject and these groups. */
  as(subject: string, groups?: string[]): Promise<ApiClient>;
  admin(): Promise<ApiClient>;
  /** Vault's HTTP API with the root token. */
  vaultCall(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; body: VaultJson }>;
  close(): Promise<void>;
}

export async function vaultRequest(
  address: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: VaultJson }> {
  const res = await fetch(`${address}/v1/${path}`, {
    method,
    headers: { ...(token ? { 'X-Vault-Token': token } : {}), 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export async function enableAppRole(vault: VaultDev): Promise<void> {
  const r = await vaultRequest(vault.address, vault.rootToken, 'POST', 'sys/auth/approle', { type: 'approle' });
  if (r.status !== 204) throw new Error(`enabling approle failed: ${r.status}`);
}

export const POLICY_FILE = fileURLToPath(new URL('../../../../deploy/vault/secret-api.hcl', import.meta.url));

/** Installs the shipped policy as `secret-api` and returns a token holding only it (and `default`). */
export async function leastPrivilegeToken(vault: VaultDev): Promise<string> {
  const policy = await readFile(POLICY_FILE, 'utf8');
  const written = await vaultRequest(vault.address, vault.rootToken, 'POST', 'sys/policies/acl/secret-api', { policy });
  if (written.status !== 204) throw new Error(`writing the secret-api policy failed: ${written.status}`);
  const created = await vaultRequest(vault.address, vault.rootToken, 'POST', 'auth/token/create', {
    policies: ['secret-api'],
    period: '24h',
  });
  if (created.status !== 200) throw new Error(`creating the API token failed: ${created.status}`);
  return created.body.auth.client_token as string;
}

export async function startStack(label: string, options: StackOptions = {}): Promise<Stack> {
  const vault = await startVaultDev({ port: 0 });
  await enableAppRole(vault);
  const db = await createTestDatabase(label);
  const dir = await mkdtemp(join(tmpdir(), 'secret-api-test-'));
  const issuer = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir });
  const vaultToken = await (options.vaultToken ?? leastPrivilegeToken)(vault);
  const env: Record<string, string | undefined> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    VAULT_ADDR: vault.address,
    VAULT_TOKEN: vaultToken,
    AUTH_ISSUERS: JSON.stringify([issuer.issuerConfig()]),
    ADMIN_GROUPS: ADMIN_GROUP,
    LOG_LEVEL: 'info',
    ...(typeof options.env === 'function' ? await options.env({ vault, db }) : options.env),
  };
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const api = await startSecretApi(parseConfig(env), {
    logDestination: sink,
    defaultMetrics: false,
    ...(options.onDatabaseQuery && { onDatabaseQuery: options.onDatabaseQuery }),
  });
  const client = new ApiClient(api.url);
  const as = async (subject: string, groups: string[] = []) => client.as(await issuer.sign({ sub: subject, groups }));
  return {
    api,
    vault,
    issuer,
    db,
    env,
    client,
    logs,
    as,
    admin: () => as('alice@example.com', [ADMIN_GROUP]),
    tokensOfDeletedNamesExpired: () => backdateDeletions(db.url),
    vaultCall: (method, path, body, token) =>
      vaultRequest(vault.address, token === undefined ? vault.rootToken : token, method, path, body),
    close: async () => {
      await api.close();
      await vault.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Moves every recorded app and cluster deletion a day back. */
export async function backdateDeletions(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("UPDATE deleted_names SET deleted_at = deleted_at - interval '1 day'");
  } finally {
    await client.end();
  }
}
