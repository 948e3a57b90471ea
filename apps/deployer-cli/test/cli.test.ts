// The CLI on its own: help, version, parse errors, missing configuration and an unreachable API, in text and --json.
import { createServer } from 'node:net';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, runInTerminal, tempHome } from './support/cli.js';

const ESC = String.fromCharCode(27);

let home: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  home = await tempHome();
  env = baseEnv(home);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const ALL_COMMANDS = [
  'login',
  'whoami',
  'clusters create',
  'clusters list',
  'clusters changes',
  'clusters update',
  'clusters delete',
  'apps create',
  'apps list',
  'apps show',
  'apps update',
  'apps dynamic',
  'apps delete',
  'roleid',
  'plan',
  'secret-id',
  'secret-id-token',
  'health',
  'secrets set',
  'secrets list',
  'secrets get',
  'secrets history',
  'secrets rollback',
  'secrets delete',
  'audit',
  'inject',
  'deploy',
];

describe('help and version', () => {
  it('prints the version and exits 0', async () => {
    const r = await runCli(['--version'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deployer-cli\/0\.1\.0/);
  });

  it.each(ALL_COMMANDS)('every command has help with examples and --json: %s', async (command) => {
    const r = await runCli([...command.split(' '), '--help'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('EXAMPLES');
    expect(r.stdout).toContain('--json');
    expect(r.stdout).toContain(`deployer ${command}`);
  });

  it('lists the topics and commands at the top level', async () => {
    const r = await runCli(['--help'], { env });
    expect(r.code).toBe(0);
    for (const word of ['apps', 'clusters', 'secrets', 'roleid', 'login', 'whoami', 'audit']) {
      expect(r.stdout).toContain(word);
    }
  });

  it('documents that secrets set strips one trailing newline from stdin', async () => {
    const r = await runCli(['secrets', 'set', '--help'], { env });
    expect(r.stdout).toMatch(/ONE trailing newline/);
    expect(r.stdout).toContain('--from-file');
  });
});

describe('usage errors exit 1', () => {
  it('an unknown flag', async () => {
    const r = await runCli(['whoami', '--bogus'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Nonexistent flag: --bogus/);
    expect(r.stdout).toBe('');
  });

  it('a missing argument', async () => {
    const r = await runCli(['apps', 'show'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Missing 1 required arg/);
  });

  it('a missing required flag', async () => {
    const r = await runCli(['roleid', 'myapp'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Missing required flag cluster/);
  });

  it('an invalid option value', async () => {
    const r = await runCli(['roleid', 'myapp', '--cluster', 'aws.stg', '--format', 'yaml'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/raw, env, json/);
  });

  it('an unknown command', async () => {
    const r = await runCli(['frobnicate'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: That is not a deployer command\./);
  });

  it('in --json mode the parse error is a JSON document on stdout, with the same exit code', async () => {
    const r = await runCli(['apps', 'show', '--json'], { env });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({
      status: 1,
      code: 'usage',
      message: expect.stringMatching(/Missing 1 required arg/),
    });
  });

  it('a --since that is neither a duration nor a timestamp', async () => {
    const r = await runCli(['audit', '--since', '3 weeks', '--json'], {
      env: { ...env, SECRET_API_URL: 'http://127.0.0.1:9', SECRET_API_TOKEN: 'x' },
    });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ status: 1, name: 'UsageError', message: expect.stringMatching(/--since/) });
  });
});

describe('configuration', () => {
  it('no saved config and no environment: exit 2, saying to log in or set SECRET_API_TOKEN', async () => {
    const r = await runCli(['whoami'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: .*run 'deployer login', or set SECRET_API_URL and SECRET_API_TOKEN/);
    const j = await runCli(['apps', 'list', '--json'], { env });
    expect(j.code).toBe(2);
    expect(j.json()).toMatchObject({ status: 2, name: 'NotLoggedInError', code: 'not_logged_in' });
  });

  it('a corrupt config file is reported, not ignored', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const other = await tempHome();
    await mkdir(`${other}/.config/deployer`, { recursive: true });
    await writeFile(`${other}/.config/deployer/config.json`, '{not json');
    const r = await runCli(['whoami'], { env: baseEnv(other) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config\.json is not valid JSON/);
    await rm(other, { recursive: true, force: true });
  });
});

describe('an unreachable API', () => {
  it('exits 5 with "cannot reach the Secret API at URL (ECONNREFUSED)", text and JSON', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const withApi = { ...env, SECRET_API_URL: url, SECRET_API_TOKEN: 'token' };
    const r = await runCli(['roleid', 'myapp', '--cluster', 'aws.stg'], { env: withApi });
    expect(r.code).toBe(5);
    expect(r.stderr.trim()).toBe(`Error: cannot reach the Secret API at ${url} (ECONNREFUSED)`);
    expect(r.stdout).toBe('');
    const j = await runCli(['whoami', '--json'], { env: withApi });
    expect(j.code).toBe(5);
    expect(j.json()).toEqual({
      status: 5,
      name: 'NetworkError',
      code: 'unreachable',
      message: `cannot reach the Secret API at ${url} (ECONNREFUSED)`,
    });
  });
});

describe('terminal behaviour', () => {
  it('writes no colour codes when stdout is not a terminal, even for errors', async () => {
    const r = await runCli(['whoami'], { env });
    expect(r.stdout + r.stderr).not.toContain(ESC);
    const help = await runCli(['apps', 'list', '--help'], { env });
    expect(help.stdout).not.toContain(ESC);
  });

  it('spins while it waits on a terminal, and not when NO_COLOR, CI or TERM=dumb is set', async () => {
    const unreachable = { ...env, SECRET_API_URL: 'http://127.0.0.1:1', SECRET_API_TOKEN: 'a-token' };
    const tty = await runInTerminal(['apps', 'show', 'myapp'], [], { env: unreachable });
    expect(tty.code).toBe(5);
    expect(tty.output).toContain('Reading app myapp');
    for (const extra of [{ NO_COLOR: '1' }, { CI: 'true' }, { TERM: 'dumb' }]) {
      const plain = await runInTerminal(['apps', 'show', 'myapp'], [], { env: { ...unreachable, ...extra } });
      expect(plain.code).toBe(5);
      expect(plain.output).not.toContain('Reading app myapp');
      expect(plain.output).not.toContain(ESC);
    }
  });

  it('colours errors on a terminal, and not when CI is set or NO_COLOR', async () => {
    const tty = await runInTerminal(['whoami'], [], { env });
    expect(tty.code).toBe(2);
    expect(tty.output).toContain(`${ESC}[31mError: `);
    for (const extra of [{ CI: 'true' }, { NO_COLOR: '1' }]) {
      const plain = await runInTerminal(['whoami'], [], { env: { ...env, ...extra } });
      expect(plain.code).toBe(2);
      expect(plain.output).not.toContain(`${ESC}[31m`);
    }
  });
});
