/**
 * Configuration as an operator meets it: every bad or missing variable is named (and secrets never
 * shown), good ones parse with the documented defaults; and the real `secret-api` binary stops at
 * once with a one-line reason, no stack trace, for bad configuration and refused Vault credentials.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVaultDev, type VaultDev } from 'vault-dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalIssuer } from '../src/auth/local-issuer.js';
import { ConfigError, parseConfig } from '../src/config/env.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { AUDIENCE, ISSUER, enableAppRole } from './support/stack.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/secret-api.js');

const SECRETS = {
  VAULT_TOKEN: 'hvs.TOKEN-must-never-be-shown-0123456789',
  VAULT_SECRET_ID: 'secret-id-must-never-be-shown-9876543210',
  HISTORY_HMAC_KEY: Buffer.alloc(32, 7).toString('base64'),
};

const ISSUERS = [{ issuer: 'https://issuer.example', jwksUri: 'https://issuer.example/jwks', audience: 'secret-api' }];

/** The smallest valid production environment. */
const GOOD: Record<string, string> = {
  VAULT_ADDR: 'https://vault.example:8200',
  VAULT_TOKEN: SECRETS.VAULT_TOKEN,
  AUTH_ISSUERS: JSON.stringify(ISSUERS),
  ADMIN_GROUPS: 'platform-admins',
  HISTORY_HMAC_KEY: SECRETS.HISTORY_HMAC_KEY,
};

function env(changes: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...GOOD, ...changes };
}

function configError(input: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  const bad: [string, string, Record<string, string | undefined>][] = [
    ['PORT=abc', 'PORT', { PORT: 'abc' }],
    ['PORT=70000', 'PORT', { PORT: '70000' }],
    ['VAULT_ADDR=ftp://x', 'VAULT_ADDR', { VAULT_ADDR: 'ftp://x' }],
    ['VAULT_ADDR unset', 'VAULT_ADDR', { VAULT_ADDR: undefined }],
    [
      'VAULT_TOKEN and VAULT_ROLE_ID both',
      'VAULT_TOKEN',
      { VAULT_ROLE_ID: 'role-1', VAULT_SECRET_ID: SECRETS.VAULT_SECRET_ID },
    ],
    ['VAULT_ROLE_ID without VAULT_SECRET_ID', 'VAULT_SECRET_ID', { VAULT_TOKEN: undefined, VAULT_ROLE_ID: 'role-1' }],
    [
      'VAULT_SECRET_ID without VAULT_ROLE_ID',
      'VAULT_ROLE_ID',
      { VAULT_TOKEN: undefined, VAULT_SECRET_ID: SECRETS.VAULT_SECRET_ID },
    ],
    ['no Vault credentials at all', 'VAULT_TOKEN', { VAULT_TOKEN: undefined }],
    ['AUTH_ISSUERS not JSON', 'AUTH_ISSUERS', { AUTH_ISSUERS: '[{issuer:' }],
    ['AUTH_ISSUERS unset', 'AUTH_ISSUERS', { AUTH_ISSUERS: undefined }],
    ['AUTH_ISSUERS []', 'AUTH_ISSUERS', { AUTH_ISSUERS: '[]' }],
    [
      'an issuer without audience',
      'AUTH_ISSUERS',
      { AUTH_ISSUERS: JSON.stringify([{ issuer: 'https://i.example', jwksUri: 'https://i.example/jwks' }]) },
    ],
    [
      'an issuer with both jwksUri and jwksFile',
      'AUTH_ISSUERS',
      { AUTH_ISSUERS: JSON.stringify([{ ...ISSUERS[0], jwksFile: '/etc/jwks.json' }]) },
    ],
    ['ADMIN_GROUPS empty', 'ADMIN_GROUPS', { ADMIN_GROUPS: ' , ,' }],
    ['ADMIN_GROUPS unset', 'ADMIN_GROUPS', { ADMIN_GROUPS: undefined }],
    ['LOG_LEVEL=loud', 'LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['HISTORY_HMAC_KEY too short', 'HISTORY_HMAC_KEY', { HISTORY_HMAC_KEY: Buffer.alloc(16, 9).toString('base64') }],
    ['HISTORY_HMAC_KEY not base64', 'HISTORY_HMAC_KEY', { HISTORY_HMAC_KEY: 'not base64 at all!!' }],
    ['VAULT_KV_MOUNT=../x', 'VAULT_KV_MOUNT', { VAULT_KV_MOUNT: '../x' }],
    ['VAULT_APPROLE_MOUNT=a b', 'VAULT_APPROLE_MOUNT', { VAULT_APPROLE_MOUNT: 'a b' }],
    ['DATABASE_URL=mysql://…', 'DATABASE_URL', { DATABASE_URL: 'mysql://u:p@db.example/secrets' }],
    ['VAULT_TIMEOUT_MS=-1', 'VAULT_TIMEOUT_MS', { VAULT_TIMEOUT_MS: '-1' }],
  ];

  it.each(bad)('%s is refused with a ConfigError naming %s', (_name, variable, changes) => {
    const err = configError(env(changes));
    expect(err.problems.map((p) => p.variable)).toContain(variable);
    expect(err.message).toMatch(new RegExp(`^\\s+${variable}: \\S`, 'm'));
  });

  it.each(bad)('%s: the message shows no secret value', (_name, _variable, changes) => {
    const err = configError(env(changes));
    const shown = err.message + JSON.stringify(err.problems);
    for (const secret of [...Object.values(SECRETS), changes['HISTORY_HMAC_KEY']]) {
      if (secret) expect(shown).not.toContain(secret);
    }
  });

  it('lists every bad variable at once, not only the first', () => {
    const err = configError(env({ PORT: 'abc', LOG_LEVEL: 'loud', VAULT_ADDR: undefined }));
    expect(err.problems.map((p) => p.variable).sort()).toEqual(['LOG_LEVEL', 'PORT', 'VAULT_ADDR']);
  });

  it('a good environment parses with the documented defaults', () => {
    const config = parseConfig(GOOD);
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.auth.groupsClaim).toBe('groups');
    expect(config.vault.kvMount).toBe('secret');
    expect(config.vault.approleMount).toBe('approle');
    expect(config.vault.address).toBe('https://vault.example:8200');
    expect(config.vault.auth).toEqual({ token: SECRETS.VAULT_TOKEN });
    expect(config.auth.adminGroups).toEqual(['platform-admins']);
    expect(config.auth.issuers).toHaveLength(1);
    expect(config.logLevel).toBe('info');
    expect(config.policyTemplateFile).toBeUndefined();
    expect(config.historyHmacKey?.length).toBe(32);
    expect(config.database).toEqual({ pgliteDir: '.data/pglite' });
  });

  it('blank values count as unset and take the default', () => {
    const config = parseConfig(env({ PORT: '', HOST: ' ', LOG_LEVEL: '', VAULT_KV_MOUNT: '' }));
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.logLevel).toBe('info');
    expect(config.vault.kvMount).toBe('secret');
  });

  it('AppRole credentials, explicit values and a comma list of groups parse as given', () => {
    const config = parseConfig(
      env({
        VAULT_TOKEN: undefined,
        VAULT_ROLE_ID: 'role-1',
        VAULT_SECRET_ID: SECRETS.VAULT_SECRET_ID,
        PORT: '9000',
        HOST: '0.0.0.0',
        ADMIN_GROUPS: ' ops , platform ,',
        AUTH_GROUPS_CLAIM: 'roles',
        VAULT_KV_MOUNT: 'kv-apps',
        VAULT_APPROLE_MOUNT: 'approle-apps',
        DATABASE_URL: 'postgresql://u@db.example:5432/secrets',
        LOG_LEVEL: 'debug',
        VAULT_ADDR: 'http://vault.example:8200/',
      }),
    );
    // The API logs in where the apps' AppRoles are unless VAULT_LOGIN_MOUNT says otherwise.
    expect(config.vault.auth).toEqual({ roleId: 'role-1', secretId: SECRETS.VAULT_SECRET_ID, mount: 'approle-apps' });
    expect(config.port).toBe(9000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.auth.adminGroups).toEqual(['ops', 'platform']);
    expect(config.auth.groupsClaim).toBe('roles');
    expect(config.vault.kvMount).toBe('kv-apps');
    expect(config.vault.approleMount).toBe('approle-apps');
    expect(config.database).toEqual({ url: 'postgresql://u@db.example:5432/secrets' });
    expect(config.logLevel).toBe('debug');
    expect(config.vault.address).toBe('http://vault.example:8200');
  });

  it('VAULT_LOGIN_MOUNT puts the AppRole the API logs in with on a mount of its own', () => {
    const config = parseConfig(
      env({
        VAULT_TOKEN: undefined,
        VAULT_ROLE_ID: 'role-1',
        VAULT_SECRET_ID: SECRETS.VAULT_SECRET_ID,
        VAULT_LOGIN_MOUNT: 'approle-ops',
      }),
    );
    expect(config.vault.auth).toEqual({ roleId: 'role-1', secretId: SECRETS.VAULT_SECRET_ID, mount: 'approle-ops' });
    expect(config.vault.approleMount).toBe('approle');
    expect(configError(env({ VAULT_LOGIN_MOUNT: '../sys' })).message).toMatch(/VAULT_LOGIN_MOUNT/);
  });

  it('the result is frozen all the way down', () => {
    const config = parseConfig(GOOD);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.vault)).toBe(true);
    expect(Object.isFrozen(config.vault.auth)).toBe(true);
    expect(Object.isFrozen(config.auth.adminGroups)).toBe(true);
    expect(Object.isFrozen(config.auth.issuers[0])).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the compiled binary with only the given environment (plus PATH) and waits for it to exit. */
function runBinary(vars: Record<string, string>, cwd: string, timeoutMs = 20_000): Promise<Exit> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`secret-api did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

function expectCleanFailure(exit: Exit): void {
  expect(exit.code, exit.stderr).toBe(1);
  expect(exit.stderr).toMatch(/^secret-api: /);
  expect(exit.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('the secret-api binary', () => {
  let dir: string;
  let vault: VaultDev;
  let db: TestDatabase;
  let issuer: LocalIssuer;
  let base: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secret-api-config-'));
    vault = await startVaultDev({ port: 0 });
    await enableAppRole(vault);
    db = await createTestDatabase('config');
    issuer = await LocalIssuer.create({ issuer: ISSUER, audience: AUDIENCE, dir });
    base = {
      PORT: '0',
      DATA_DIR: join(dir, 'data'),
      DATABASE_URL: db.url,
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: vault.rootToken,
      AUTH_ISSUERS: JSON.stringify([issuer.issuerConfig()]),
      ADMIN_GROUPS: 'platform-admins',
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await vault?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('with VAULT_ADDR set and AUTH_ISSUERS missing, exits 1 at once naming AUTH_ISSUERS', async () => {
    const { AUTH_ISSUERS: _omitted, ...vars } = base;
    const exit = await runBinary(vars, dir);
    expectCleanFailure(exit);
    expect(exit.stderr).toMatch(/AUTH_ISSUERS: is required/);
    expect(exit.stderr).not.toContain(vault.rootToken);
    // "At once": it does not wait for Vault or the database (whose timeouts are far longer); the bound leaves room
    // for a node start-up on a loaded machine.
    expect(exit.ms).toBeLessThan(15_000);
  });

  it('with a POLICY_TEMPLATE_FILE holding an invalid field, exits 1 naming the variable and the field path', async () => {
    const file = join(dir, 'template.json');
    await writeFile(file, JSON.stringify({ approle: { secret_id_num_uses: 0 } }));
    const exit = await runBinary({ ...base, POLICY_TEMPLATE_FILE: file }, dir);
    expectCleanFailure(exit);
    expect(exit.stderr).toContain('POLICY_TEMPLATE_FILE');
    expect(exit.stderr).toContain('approle.secret_id_num_uses');
    expect(exit.stderr).toContain(file);
  });

  it('with a jwksFile that does not exist, exits 1 naming the file', async () => {
    const missing = join(dir, 'no-such-jwks.json');
    const issuers = JSON.stringify([{ issuer: ISSUER, jwksFile: missing, audience: AUDIENCE }]);
    const exit = await runBinary({ ...base, AUTH_ISSUERS: issuers }, dir);
    expectCleanFailure(exit);
    expect(exit.stderr).toContain('AUTH_ISSUERS');
    expect(exit.stderr).toContain(missing);
  });

  it('with a VAULT_TOKEN that Vault refuses, exits 1 saying the credentials were refused, without the token', async () => {
    const token = 'hvs.refused-token-that-must-not-be-printed';
    const exit = await runBinary({ ...base, VAULT_TOKEN: token }, dir);
    expectCleanFailure(exit);
    expect(exit.stderr).toMatch(/refused the Secret API's credentials/);
    expect(exit.stderr).toContain(vault.address);
    expect(exit.stderr + exit.stdout).not.toContain(token);
    expect(exit.ms).toBeLessThan(15_000);
  });

  it('reads VAULT_TOKEN from VAULT_TOKEN_FILE (and says so when the file is missing)', async () => {
    const { VAULT_TOKEN: _token, ...vars } = base;
    const tokenFile = join(dir, 'vault-token');
    await writeFile(tokenFile, 'hvs.refused-token-from-a-file\n', { mode: 0o600 });
    const refused = await runBinary({ ...vars, VAULT_TOKEN_FILE: tokenFile }, dir);
    expectCleanFailure(refused);
    expect(refused.stderr).toMatch(/refused the Secret API's credentials/);
    expect(refused.stderr).not.toContain('hvs.refused-token-from-a-file');
    const missing = await runBinary({ ...vars, VAULT_TOKEN_FILE: join(dir, 'nope') }, dir);
    expectCleanFailure(missing);
    expect(missing.stderr).toMatch(/VAULT_TOKEN_FILE: cannot read/);
  });

  it('with VAULT_ROLE_ID and VAULT_SECRET_ID that Vault refuses, exits 1 without printing the SecretID', async () => {
    const secretId = 'secret-id-that-must-not-be-printed-0001';
    const { VAULT_TOKEN: _token, ...vars } = base;
    const exit = await runBinary({ ...vars, VAULT_ROLE_ID: 'no-such-role-id', VAULT_SECRET_ID: secretId }, dir);
    expectCleanFailure(exit);
    // The operator must learn which settings to fix, as with a refused VAULT_TOKEN.
    expect(exit.stderr).toMatch(/refused|invalid role or secret ID/);
    expect(exit.stderr).toContain('VAULT_ROLE_ID');
    expect(exit.stderr + exit.stdout).not.toContain(secretId);
  });
});
