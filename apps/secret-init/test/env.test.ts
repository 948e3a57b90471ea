/**
 * The SECRET_<NAME>=<path>[#field] convention: a shell-sourceable env file whose quoting holds
 * for any value, and `exec`, which puts the values in a child's environment, forwards signals
 * and exits with the child's status.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envFileContent, shellExport } from '../src/env/shell.js';
import { APP, CLUSTER, putSecret, startStack, type Stack } from './support/vault.js';
import { run, start, tempDir } from './support/program.js';

const HOSTILE = [
  "it's",
  'say "hi"',
  'new\nline\n',
  '$HOME and $(touch /tmp/pwned-secret-init) and `id`',
  "'; rm -rf / ; echo '",
  '\\ back\\slash \\n',
  'tab\there',
  '',
  'ünïcödé ☃',
  "''''",
  '!event !! history',
];

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  await putSecret(stack.root, `${APP}/db`, { password: HOSTILE[3]!, user: 'svc' });
  await putSecret(stack.root, `${APP}/API_KEY`, HOSTILE[0]!);
  await putSecret(stack.root, 'global/MULTI', HOSTILE[2]!);
});

afterAll(async () => {
  await stack?.close();
});

function sourced(file: string, name: string): string {
  return execFileSync('bash', ['-c', 'set -e; source "$1"; printf %s "${!2}"', 'bash', file, name]).toString();
}

describe('shell quoting', () => {
  it('every hostile value round-trips through bash source exactly', () => {
    const dir = tempDir('quote');
    HOSTILE.forEach((value, i) => {
      const file = join(dir, `v${i}`);
      writeFileSync(file, `${shellExport('X', value)}\n`);
      expect(sourced(file, 'X')).toBe(value);
    });
    expect(() => shellExport('X', 'nul\0byte')).toThrow(/NUL/);
    // In the env file, named as the pod's spec names it.
    expect(() => envFileContent(new Map([['V', 'nul\0byte']]))).toThrow(/^SECRET_V: the value contains a NUL byte/);
  });
});

describe('secret-init run: the env file', () => {
  it('writes export lines (0640) for SECRET_ variables that bash sources back to the exact values', async () => {
    const base = tempDir('envfile');
    const envFile = join(base, 'env', 'variables');
    const r = await run({
      VAULT_ADDR: stack.vault.address,
      VAULT_ROLE_ID: stack.roleId,
      VAULT_SECRET_ID: await stack.secretId(),
      SECRET_INIT_APP: APP,
      SECRET_INIT_CLUSTER: CLUSTER,
      SECRET_INIT_CONFIG_DIR: join(base, 'no-config'),
      SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
      SECRET_INIT_LEASE_DIR: join(base, 'leases'),
      SECRET_INIT_ENV_FILE: envFile,
      SECRET_DB_PASSWORD: `secret/data/${APP}/db#password`,
      SECRET_DB_USER: `secret/data/${APP}/db#user`,
      SECRET_API_KEY: `secret/data/${APP}/API_KEY`,
      SECRET_MULTI: 'secret/data/global/MULTI',
    });
    // An explicit SECRET_INIT_CONFIG_DIR that does not exist is a configuration error.
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SECRET_INIT_CONFIG_DIR');

    const ok = await run({
      VAULT_ADDR: stack.vault.address,
      VAULT_ROLE_ID: stack.roleId,
      VAULT_SECRET_ID: await stack.secretId(),
      SECRET_INIT_APP: APP,
      SECRET_INIT_CLUSTER: CLUSTER,
      SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
      SECRET_INIT_LEASE_DIR: join(base, 'leases'),
      SECRET_INIT_ENV_FILE: envFile,
      SECRET_DB_PASSWORD: `secret/data/${APP}/db#password`,
      SECRET_DB_USER: `secret/data/${APP}/db#user`,
      SECRET_API_KEY: `secret/data/${APP}/API_KEY`,
      SECRET_MULTI: 'secret/data/global/MULTI',
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(statSync(envFile).mode & 0o777).toBe(0o640);
    expect(sourced(envFile, 'DB_PASSWORD')).toBe(HOSTILE[3]);
    expect(sourced(envFile, 'DB_USER')).toBe('svc');
    expect(sourced(envFile, 'API_KEY')).toBe(HOSTILE[0]);
    expect(sourced(envFile, 'MULTI')).toBe(HOSTILE[2]);
    expect(ok.stderr).not.toContain('svc');
  });

  it('a SECRET_ variable naming a missing secret fails, naming the variable and path, and writes nothing', async () => {
    const base = tempDir('envmissing');
    const r = await run({
      VAULT_ADDR: stack.vault.address,
      VAULT_ROLE_ID: stack.roleId,
      VAULT_SECRET_ID: await stack.secretId(),
      SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
      SECRET_INIT_LEASE_DIR: join(base, 'leases'),
      SECRET_INIT_ENV_FILE: join(base, 'env', 'variables'),
      SECRET_GOOD: `secret/data/${APP}/API_KEY`,
      SECRET_GONE: `secret/data/${APP}/GONE#password`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`SECRET_GONE: GET secret/data/${APP}/GONE: not found`);
    expect(() => readFileSync(join(base, 'env', 'variables'))).toThrow();
  });
  it('the variables Kubernetes adds for a Service named secret-… are neither secrets nor settings', async () => {
    const base = tempDir('servicelinks');
    const envFile = join(base, 'env', 'variables');
    const links = {
      // A Service "secret-db" (10.0.0.11:5432) and one named "secret-init" in the pod's namespace.
      SECRET_DB_SERVICE_HOST: '10.0.0.11',
      SECRET_DB_SERVICE_PORT: '5432',
      SECRET_DB_PORT: 'tcp://10.0.0.11:5432',
      SECRET_DB_PORT_5432_TCP: 'tcp://10.0.0.11:5432',
      SECRET_DB_PORT_5432_TCP_PROTO: 'tcp',
      SECRET_DB_PORT_5432_TCP_PORT: '5432',
      SECRET_DB_PORT_5432_TCP_ADDR: '10.0.0.11',
      SECRET_INIT_PORT: 'tcp://10.0.0.12:8099',
      SECRET_INIT_SERVICE_HOST: '10.0.0.12',
    };
    const ok = await run({
      ...links,
      VAULT_ADDR: stack.vault.address,
      VAULT_ROLE_ID: stack.roleId,
      VAULT_SECRET_ID: await stack.secretId(),
      SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
      SECRET_INIT_LEASE_DIR: join(base, 'leases'),
      SECRET_INIT_ENV_FILE: envFile,
      SECRET_API_KEY: `secret/data/${APP}/API_KEY`,
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(envFile, 'utf8').match(/^export \w+/gm)).toEqual(['export API_KEY']);

    // Waiting for its SecretID, it listens on its default port, not on "tcp://…".
    const waiting = await run({
      ...links,
      VAULT_ADDR: stack.vault.address,
      VAULT_ROLE_ID: stack.roleId,
      SECRET_INIT_APP: APP,
      SECRET_INIT_CLUSTER: CLUSTER,
      SECRET_INIT_LISTEN: '127.0.0.1',
      SECRET_INIT_TIMEOUT: '0.3',
      SECRET_INIT_OUTPUT_DIR: join(base, 'out2'),
      SECRET_INIT_LEASE_DIR: join(base, 'leases2'),
    });
    expect(waiting.code, waiting.stderr).toBe(4);
    expect(waiting.logs.find((l) => l['msg'] === 'waiting for the SecretID')).toMatchObject({ port: 8099 });
  });

  it('a secret may not set a variable that makes the shell, the loader or a runtime load code (exit 2)', async () => {
    for (const name of ['SECRET_LD_PRELOAD', 'SECRET_PATH', 'SECRET_NODE_OPTIONS', 'SECRET_BASH_ENV']) {
      const base = tempDir('reserved');
      const r = await run({
        VAULT_ADDR: stack.vault.address,
        VAULT_TOKEN: stack.vault.rootToken,
        SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
        SECRET_INIT_LEASE_DIR: join(base, 'leases'),
        SECRET_INIT_ENV_FILE: join(base, 'env', 'variables'),
        [name]: `secret/data/${APP}/API_KEY`,
      });
      expect(r.code, name).toBe(2);
      expect(r.stderr).toContain(
        `${name}: it would set ${name.slice('SECRET_'.length)}, which a shell, the loader, a runtime or a tool acts on`,
      );
      expect(() => readFileSync(join(base, 'env', 'variables'))).toThrow();
      const exec = await run({ VAULT_ADDR: stack.vault.address, VAULT_TOKEN: stack.vault.rootToken, [name]: 'x/y' }, [
        'exec',
        '--',
        'true',
      ]);
      expect(exec.code, name).toBe(2);
    }
  });
});

describe('secret-init exec', () => {
  const execEnv = () => ({
    VAULT_ADDR: stack.vault.address,
    VAULT_TOKEN: stack.vault.rootToken,
    SECRET_INIT_LEASE_DIR: join(tempDir('exec'), 'leases'),
    SECRET_API_KEY: `secret/data/${APP}/API_KEY`,
    SECRET_DB_PASSWORD: `secret/data/${APP}/db#password`,
  });

  it('puts the values in the child environment (not argv, not the Vault token) and exits with its code', async () => {
    const r = await run(execEnv(), [
      'exec',
      '--',
      'bash',
      '-c',
      'printf "%s|%s|%s" "$API_KEY" "$DB_PASSWORD" "${VAULT_TOKEN:-none}"; exit 7',
    ]);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe(`${HOSTILE[0]}|${HOSTILE[3]}|none`);
  });

  it('revokes a token it logged in for once the values are read: it does not outlive the command', async () => {
    const r = await run(
      {
        VAULT_ADDR: stack.vault.address,
        VAULT_ROLE_ID: stack.roleId,
        VAULT_SECRET_ID: await stack.secretId(),
        SECRET_INIT_LEASE_DIR: join(tempDir('exec-login'), 'leases'),
        SECRET_API_KEY: `secret/data/${APP}/API_KEY`,
      },
      ['exec', '--', 'bash', '-c', 'printf %s "$API_KEY"'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(HOSTILE[0]);
    const revoked = r.logs.find((l) => l['msg'] === 'revoked the login token: the values are read');
    expect(revoked?.['accessor']).toEqual(expect.any(String));
    const lookup = await stack.root.call('POST', 'auth/token/lookup-accessor', { accessor: revoked?.['accessor'] });
    expect(lookup.status).toBeGreaterThanOrEqual(400);
  });

  it('forwards SIGTERM to the child, and exits 128+15 when the signal kills it', async () => {
    const trapped = start(execEnv(), [
      'exec',
      process.execPath,
      '-e',
      "process.on('SIGTERM', () => { process.stdout.write('got-term\\n'); process.exit(42); });" +
        " process.stdout.write('ready\\n'); setInterval(() => undefined, 1000);",
    ]);
    await waitForOutput(() => trapped.stdout(), 'ready');
    trapped.child.kill('SIGTERM');
    const t = await trapped.exited;
    expect(t.code).toBe(42);
    expect(trapped.stdout()).toContain('got-term');

    // The process that says "ready" is the one the signal must kill: no shell in between to race with.
    const killed = start(execEnv(), [
      'exec',
      '--',
      process.execPath,
      '-e',
      "process.stdout.write('ready\\n'); setInterval(() => undefined, 1000);",
    ]);
    await waitForOutput(() => killed.stdout(), 'ready');
    killed.child.kill('SIGTERM');
    expect((await killed.exited).code).toBe(128 + 15);
  });
});

describe('configuration', () => {
  it('an invalid variable is named in a one-line error, exit 2', async () => {
    const r = await run({ VAULT_ADDR: 'ftp://vault', VAULT_TOKEN: 't' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('VAULT_ADDR must be an http:// or https:// URL');
    const port = await run({ VAULT_ADDR: 'http://127.0.0.1:1', VAULT_ROLE_ID: 'r', SECRET_INIT_PORT: '99999' });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('SECRET_INIT_PORT must be at most 65535');
    const missing = await run({});
    expect(missing.stderr).toContain('VAULT_ADDR is required');
    const both = await run({
      VAULT_ADDR: 'http://127.0.0.1:1',
      VAULT_ROLE_ID: 'r',
      VAULT_SECRET_ID: 's',
      VAULT_WRAPPED_SECRET_ID: 'w',
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('VAULT_SECRET_ID and VAULT_WRAPPED_SECRET_ID are both set');
  });

  it('--help and --version print to stdout and exit 0; an unknown command exits 2', async () => {
    const help = await run({}, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('secret-init exec [--] CMD');
    const version = await run({}, ['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await run({}, ['frobnicate'])).code).toBe(2);
  });
});

async function waitForOutput(read: () => string, text: string): Promise<void> {
  for (let i = 0; i < 200 && !read().includes(text); i++) await new Promise((r) => setTimeout(r, 25));
  expect(read()).toContain(text);
}
