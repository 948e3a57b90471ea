// secrets set|list|get|history|rollback|delete against the real API, written to libs/contract/src/secrets.ts.
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZGetSecretResponse, ZSecretHistory, ZSecretList, ZSecretVersionRef } from '@secret-api/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from './support/api.js';
import type { RunningApi } from './support/api.js';
import { baseEnv, runCli, runInTerminal, tempHome } from './support/cli.js';

let api: RunningApi;
let home: string;
let files: string;
let admin: Record<string, string | undefined>;
let owner: Record<string, string | undefined>;
let revealer: Record<string, string | undefined>;
let deployer: Record<string, string | undefined>;
let nobody: Record<string, string | undefined>;

beforeAll(async () => {
  api = await startApi('secrets');
  home = await tempHome();
  files = await mkdtemp(join(tmpdir(), 'deployer-files-'));
  const as = (token: string) => ({ ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: token });
  admin = as(api.adminToken);
  owner = as(await api.sign('olivia@example.com', ['team-shop']));
  revealer = as(await api.sign('rita@example.com', ['team-shop', 'shop-oncall']));
  deployer = as(await api.sign('repo:acme/shop:ref:refs/heads/main', []));
  nobody = as(await api.sign('nobody@example.com', ['elsewhere']));
  const created = await runCli(
    [
      'apps',
      'create',
      'shop',
      '--owner-group',
      'team-shop',
      '--reveal-group',
      'shop-oncall',
      '--deployer',
      'repo:acme/shop:*',
    ],
    { env: admin },
  );
  if (created.code !== 0) throw new Error(`apps create failed: ${created.stderr}`);
});
afterAll(async () => {
  await api?.stop();
  await rm(home, { recursive: true, force: true });
  await rm(files, { recursive: true, force: true });
});

const reveal = async (key: string, env = revealer, extra: string[] = []) =>
  runCli(['secrets', 'get', 'shop', key, '--reveal', ...extra], { env });

describe('secrets set', () => {
  it('reads the value from stdin, stripping ONE trailing newline, and never prints it', async () => {
    const r = await runCli(['secrets', 'set', 'shop', 'DB_PASSWORD', '--comment', 'first'], {
      env: owner,
      input: 's3cr3t-from-stdin\n',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Set DB_PASSWORD of app shop: version 1.\n');
    const value = await reveal('DB_PASSWORD');
    expect(value.code).toBe(0);
    expect(value.stdout).toBe('s3cr3t-from-stdin');

    const two = await runCli(['secrets', 'set', 'shop', 'MULTI', '--json'], { env: owner, input: 'a\nb\n\n' });
    expect(ZSecretVersionRef.parse(two.json())).toEqual({ key: 'MULTI', version: 1 });
    expect((await reveal('MULTI')).stdout).toBe('a\nb\n');
  });

  it('--from-file stores the exact bytes, trailing newline included', async () => {
    const path = join(files, 'tls.key');
    await writeFile(path, '-----BEGIN KEY-----\nabc\n-----END KEY-----\n');
    const r = await runCli(['secrets', 'set', 'shop', 'TLS_KEY', '--from-file', path, '--json'], { env: owner });
    expect(r.code).toBe(0);
    expect(ZSecretVersionRef.parse(r.json())).toEqual({ key: 'TLS_KEY', version: 1 });
    expect((await reveal('TLS_KEY')).stdout).toBe('-----BEGIN KEY-----\nabc\n-----END KEY-----\n');
  });

  it('stores a value with a NUL byte as is, warning that a SECRET_* variable cannot carry it', async () => {
    const path = join(files, 'nul.bin');
    await writeFile(path, Buffer.from([0x61, 0x00, 0x62]));
    const r = await runCli(['secrets', 'set', 'shop', 'NUL_VALUE', '--from-file', path], { env: owner });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: the value of NUL_VALUE contains a NUL byte');
    expect((await reveal('NUL_VALUE')).stdout).toBe('a\0b');
  });

  it('keeps a leading byte-order mark, from a file and from stdin: it is part of the value', async () => {
    const path = join(files, 'bom.txt');
    await writeFile(path, '\ufeffwith-bom');
    expect((await runCli(['secrets', 'set', 'shop', 'BOM_FILE', '--from-file', path], { env: owner })).code).toBe(0);
    expect((await reveal('BOM_FILE')).stdout).toBe('\ufeffwith-bom');
    const piped = await runCli(['secrets', 'set', 'shop', 'BOM_STDIN'], { env: owner, input: '\ufeffpiped\n' });
    expect(piped.code).toBe(0);
    expect((await reveal('BOM_STDIN')).stdout).toBe('\ufeffpiped');
  });

  it('refuses an empty value and a missing file (exit 1)', async () => {
    expect((await runCli(['secrets', 'set', 'shop', 'EMPTY'], { env: owner, input: '\n' })).code).toBe(1);
    const missing = await runCli(['secrets', 'set', 'shop', 'X', '--from-file', join(files, 'nope')], { env: owner });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope: ENOENT/);
  });

  it('takes a value of exactly the largest size, and refuses a larger one as soon as it is read past (exit 1)', async () => {
    const limit = 65_536;
    const exact = join(files, 'exact');
    await writeFile(exact, 'a'.repeat(limit));
    expect((await runCli(['secrets', 'set', 'shop', 'BIG', '--from-file', exact], { env: owner })).code).toBe(0);
    // A sparse 3 GB file: read whole, it would take the memory the process has, or fail on Node's buffer limit.
    const huge = join(files, 'huge');
    await writeFile(huge, '');
    await truncate(huge, 3 * 1024 ** 3);
    const message = `holds more than ${limit} bytes; a secret value is at most ${limit} bytes`;
    const fromFile = await runCli(['secrets', 'set', 'shop', 'BIG', '--from-file', huge], { env: owner });
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toContain(`${huge} ${message}`);
    const piped = await runCli(['secrets', 'set', 'shop', 'BIG'], { env: owner, input: 'a'.repeat(4 * limit) });
    expect(piped.code).toBe(1);
    expect(piped.stderr).toContain(`stdin ${message}`);
    // A value and the one trailing newline stdin drops is still the largest size.
    expect(
      (await runCli(['secrets', 'set', 'shop', 'BIG'], { env: owner, input: `${'b'.repeat(limit)}\r\n` })).code,
    ).toBe(0);
    expect((await runCli(['secrets', 'get', 'shop', 'BIG', '--json'], { env: owner })).json()).toMatchObject({
      version: 2,
    });
  });

  it('on a terminal, prompts for the value with echo off: the typed value never appears', async () => {
    const typed = 'typed-at-the-prompt-42';
    const t = await runInTerminal(
      ['secrets', 'set', 'shop', 'API_KEY'],
      [{ waitFor: 'Value of API_KEY for app shop (input hidden): ', type: `${typed}\r` }],
      { env: owner },
    );
    expect(t.output).toContain('Set API_KEY of app shop: version 1.');
    expect(t.code).toBe(0);
    expect(t.output).not.toContain(typed);
    expect(t.output).not.toContain('*'.repeat(typed.length));
    expect((await reveal('API_KEY')).stdout).toBe(typed);
  });

  it('--cas: a stale version is a conflict, exit 4', async () => {
    const r = await runCli(['secrets', 'set', 'shop', 'DB_PASSWORD', '--cas', '0', '--json'], {
      env: owner,
      input: 'other',
    });
    expect(r.code).toBe(4);
    expect(r.json()).toMatchObject({ status: 4, httpStatus: 409 });
    const ok = await runCli(['secrets', 'set', 'shop', 'DB_PASSWORD', '--cas', '1', '--comment', 'second'], {
      env: owner,
      input: 'v2-value',
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('Set DB_PASSWORD of app shop: version 2.\n');
  });

  it('exit codes: not an owner 2, unknown app 3, invalid key 1', async () => {
    const asDeployer = await runCli(['secrets', 'set', 'shop', 'K'], { env: deployer, input: 'v' });
    expect(asDeployer.code, asDeployer.stderr).toBe(2);
    expect((await runCli(['secrets', 'set', 'shop', 'K'], { env: nobody, input: 'v' })).code).toBe(2);
    expect((await runCli(['secrets', 'set', 'nosuch', 'K'], { env: admin, input: 'v' })).code).toBe(3);
    const bad = await runCli(['secrets', 'set', 'shop', '1BAD', '--json'], { env: owner, input: 'v' });
    expect(bad.code).toBe(1);
    expect(bad.json()).toMatchObject({ status: 1, code: 'validation' });
  });
});

describe('secrets list, get, history', () => {
  it('list shows keys and versions, never values', async () => {
    const r = await runCli(['secrets', 'list', 'shop'], { env: owner });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^KEY\s+VERSION\s+UPDATED\s+UPDATED BY$/);
    expect(r.stdout).toMatch(/DB_PASSWORD\s+2\s+\S+\s+olivia@example\.com/);
    expect(r.stdout).not.toContain('v2-value');
    const j = await runCli(['secrets', 'list', 'shop', '--json'], { env: owner });
    const keys = ZSecretList.parse(j.json()).items.map((s) => s.key);
    expect(keys).toEqual(expect.arrayContaining(['DB_PASSWORD', 'MULTI', 'TLS_KEY', 'API_KEY']));
  });

  it('get without --reveal shows metadata only', async () => {
    const r = await runCli(['secrets', 'get', 'shop', 'DB_PASSWORD'], { env: owner });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Key:\s+DB_PASSWORD\nVersion:\s+2\n/);
    expect(r.stdout).not.toContain('v2-value');
    const j = ZGetSecretResponse.parse(
      (await runCli(['secrets', 'get', 'shop', 'DB_PASSWORD', '--json'], { env: owner })).json(),
    );
    expect(j.value).toBeUndefined();
  });

  it('get --reveal without a terminal prints the exact value; --version picks an older one; --json carries it', async () => {
    expect((await reveal('DB_PASSWORD')).stdout).toBe('v2-value');
    expect((await reveal('DB_PASSWORD', revealer, ['--version', '1'])).stdout).toBe('s3cr3t-from-stdin');
    const j = await reveal('DB_PASSWORD', revealer, ['--json']);
    expect(ZGetSecretResponse.parse(j.json())).toMatchObject({ key: 'DB_PASSWORD', version: 2, value: 'v2-value' });
  });

  it('get --reveal is refused to an owner outside the reveal groups (exit 2); an unknown key is exit 3', async () => {
    const r = await reveal('DB_PASSWORD', owner);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect((await runCli(['secrets', 'get', 'shop', 'NOPE'], { env: owner })).code).toBe(3);
  });

  it('get --reveal on a terminal asks first; N reveals nothing (exit 1), y shows the value', async () => {
    const no = await runInTerminal(
      ['secrets', 'get', 'shop', 'DB_PASSWORD', '--reveal'],
      [{ waitFor: '(y/N)', type: '\r' }],
      {
        env: revealer,
      },
    );
    expect(no.output).toContain('Reveal the value of DB_PASSWORD of app shop? (y/N)');
    expect(no.code).toBe(1);
    expect(no.output).not.toContain('v2-value');
    const yes = await runInTerminal(
      ['secrets', 'get', 'shop', 'DB_PASSWORD', '--reveal'],
      [{ waitFor: '(y/N)', type: 'y\r' }],
      {
        env: revealer,
      },
    );
    expect(yes.code).toBe(0);
    expect(yes.output).toContain('v2-value');
    const noQuestion = await runInTerminal(['secrets', 'get', 'shop', 'DB_PASSWORD', '--reveal', '--yes'], [], {
      env: revealer,
    });
    expect(noQuestion.output).not.toContain('(y/N)');
    expect(noQuestion.output).toContain('v2-value');
  });

  it('history lists versions newest first with actor, comment and fingerprint', async () => {
    const r = await runCli(['secrets', 'history', 'shop', 'DB_PASSWORD'], { env: owner });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+CREATED\s+ACTOR\s+FINGERPRINT\s+STATE\s+COMMENT$/);
    expect(lines[1]).toMatch(/^2\s+.*olivia@example\.com.*second$/);
    expect(lines[2]).toMatch(/^1\s+.*first$/);
    const j = ZSecretHistory.parse(
      (await runCli(['secrets', 'history', 'shop', 'DB_PASSWORD', '--json'], { env: owner })).json(),
    );
    expect(j.items.map((v) => v.version)).toEqual([2, 1]);
    expect(JSON.stringify(j)).not.toContain('v2-value');
  });
});

describe('secrets rollback and delete', () => {
  it('rollback --to 1 writes version 3 with the value of version 1', async () => {
    const r = await runCli(['secrets', 'rollback', 'shop', 'DB_PASSWORD', '--to', '1'], { env: owner });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Rolled DB_PASSWORD of app shop back to version 1: now version 3.\n');
    expect((await reveal('DB_PASSWORD')).stdout).toBe('s3cr3t-from-stdin');
    const j = await runCli(['secrets', 'rollback', 'shop', 'DB_PASSWORD', '--to', '2', '--json'], { env: owner });
    expect(ZSecretVersionRef.parse(j.json())).toEqual({ key: 'DB_PASSWORD', version: 4 });
    expect((await runCli(['secrets', 'rollback', 'shop', 'DB_PASSWORD', '--to', '99'], { env: owner })).code).toBe(3);
    expect((await runCli(['secrets', 'rollback', 'shop', 'DB_PASSWORD'], { env: owner })).code).toBe(1);
  });

  it('delete removes the key; afterwards it is exit 3', async () => {
    expect((await runCli(['secrets', 'delete', 'shop', 'MULTI'], { env: deployer })).code).toBe(2);
    const r = await runCli(['secrets', 'delete', 'shop', 'MULTI', '--json'], { env: owner });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({ app: 'shop', key: 'MULTI', deleted: true });
    expect((await runCli(['secrets', 'get', 'shop', 'MULTI'], { env: owner })).code).toBe(3);
    const text = await runCli(['secrets', 'delete', 'shop', 'TLS_KEY'], { env: owner });
    expect(text.stdout).toBe('Deleted TLS_KEY of app shop.\n');
  });
});
