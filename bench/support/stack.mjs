// The stack both API benchmarks measure: vault-dev and the Secret API as child processes, a fresh
// PostgreSQL database, a local JWT issuer, and the API holding only the least policy we ship
// (deploy/vault/secret-api.hcl), as in production and in the HTTP tests.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalIssuer } from '../../apps/secret-api/dist/index.js';
import { SERVER_URL, call, pgAdmin, startChild, stopChild } from './processes.mjs';

export const ADMIN_GROUP = 'platform-admins';
export const OWNER_GROUP = 'team-myapp';
const POLICY_FILE = fileURLToPath(new URL('../../deploy/vault/secret-api.hcl', import.meta.url));
// Prints the API's GC pauses and event-loop delay when it stops (gc-pauses.cjs).
const GC_PAUSES = fileURLToPath(new URL('./gc-pauses.cjs', import.meta.url));

/**
 * Starts everything; `stop()` undoes it (children, database, temp dir), also after a failed start.
 * Returns the addresses, the API's Vault token (the direct baselines use it too, so both paths pay
 * the same ACL check in Vault), ready-made admin and owner Authorization headers, and `bearer(sub, groups)` for others.
 */
export async function startBenchStack({ label, apiNodeArgs = [] }) {
  const dbName = `secret_api_bench_${label}_${randomBytes(5).toString('hex')}`;
  const dbUrl = new URL(SERVER_URL);
  dbUrl.pathname = `/${dbName}`;
  const issuerDir = await mkdtemp(join(tmpdir(), `bench-${label}-`));
  const stack = { dbUrl: dbUrl.toString() };
  let dbCreated = false;
  stack.stop = async () => {
    await stopChild(stack.api);
    await stopChild(stack.vault);
    if (dbCreated) await pgAdmin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await rm(issuerDir, { recursive: true, force: true });
  };
  try {
    stack.vault = await startChild('vault-dev');
    const asRoot = { 'X-Vault-Token': 'root' };
    const vault = stack.vault.address;
    await call(`${vault}/v1/sys/auth/approle`, { method: 'POST', headers: asRoot, body: { type: 'approle' } });
    await call(`${vault}/v1/sys/policies/acl/secret-api`, {
      method: 'POST',
      headers: asRoot,
      body: { policy: await readFile(POLICY_FILE, 'utf8') },
    });
    stack.apiToken = (
      await call(`${vault}/v1/auth/token/create`, {
        method: 'POST',
        headers: asRoot,
        body: { policies: ['secret-api'], period: '24h' },
      })
    ).auth.client_token;

    await pgAdmin(`CREATE DATABASE "${dbName}"`);
    dbCreated = true;
    const issuer = await LocalIssuer.create({
      issuer: 'https://issuer.bench.example',
      audience: 'secret-api',
      dir: issuerDir,
    });
    const apiEnv = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: stack.dbUrl,
      VAULT_ADDR: vault,
      VAULT_TOKEN: stack.apiToken,
      AUTH_ISSUERS: JSON.stringify([issuer.issuerConfig()]),
      ADMIN_GROUPS: ADMIN_GROUP,
      LOG_LEVEL: 'warn',
      HISTORY_HMAC_KEY: randomBytes(32).toString('base64'),
    };
    stack.api = await startChild('secret-api', {
      env: { BENCH_API_ENV: JSON.stringify(apiEnv) },
      nodeArgs: ['--require', GC_PAUSES, ...apiNodeArgs],
    });
    const bearer = async (sub, groups) => ({ Authorization: `Bearer ${await issuer.sign({ sub, groups })}` });
    stack.bearer = bearer;
    stack.admin = await bearer('alice@example.com', [ADMIN_GROUP]);
    stack.owner = await bearer('bob@example.com', [OWNER_GROUP]);
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
