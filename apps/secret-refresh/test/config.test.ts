/**
 * Bad configuration: one line naming the variable (or file and field), exit 1, no token in it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from '../src/config.js';
import { runOnce, tempDir } from './support/program.js';

const TOKEN = 'hvs.PLANTED-TOKEN-VALUE-5d2a';

async function failsWith(env: Record<string, string>, pattern: RegExp) {
  const r = await runOnce(env);
  expect(r.code, r.stderr).toBe(1);
  const errors = r.logs.filter((l) => l.level === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.msg).toMatch(/^invalid configuration: /);
  expect(errors[0]!.msg).toMatch(pattern);
  expect(r.stderr).not.toContain(TOKEN);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  // JSON log lines only: nothing from Node itself, such as a warning about the image's launch flags.
  expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);
}

describe('secret-refresh configuration', () => {
  it('with nothing to keep alive it says where it looked', async () => {
    await failsWith(
      { SECRET_REFRESH_LEASE_DIR: '' },
      /no leases\.json, and neither VAULT_TOKEN nor VAULT_TOKEN_FILE is set/,
    );
  });

  it.each([
    [{ VAULT_TOKEN: TOKEN }, /VAULT_ADDR is required/],
    [{ VAULT_TOKEN: TOKEN, VAULT_ADDR: 'vault:8200' }, /VAULT_ADDR must be an http/],
    [
      { VAULT_TOKEN: TOKEN, VAULT_ADDR: 'http://v:8200', RENEW_INTERVAL: 'soon' },
      /RENEW_INTERVAL must be a number of seconds/,
    ],
    [
      { VAULT_TOKEN: TOKEN, VAULT_ADDR: 'http://v:8200', REVOKE_ON_EXIT: 'maybe' },
      /REVOKE_ON_EXIT must be true or false/,
    ],
    [
      { VAULT_TOKEN: TOKEN, VAULT_ADDR: 'http://v:8200', SECRET_REFRESH_PORT: '70000' },
      /SECRET_REFRESH_PORT must be a port/,
    ],
    [
      { VAULT_TOKEN: TOKEN, VAULT_ADDR: 'http://v:8200', SECRET_REFRESH_SHUTDOWN_TIMEOUT: '0' },
      /SECRET_REFRESH_SHUTDOWN_TIMEOUT/,
    ],
    [{ VAULT_TOKEN: `${TOKEN} extra`, VAULT_ADDR: 'http://v:8200' }, /VAULT_TOKEN must be a single word/],
    [
      { VAULT_TOKEN_FILE: '/nonexistent/token', VAULT_ADDR: 'http://v:8200' },
      /VAULT_TOKEN_FILE: cannot read \/nonexistent\/token \(ENOENT\)/,
    ],
    [
      { VAULT_TOKEN: TOKEN, VAULT_ADDR: 'http://v:8200', LEASE_IDS: 'database/creds/x/1,/etc/passwd' },
      /LEASE_IDS: "\/etc\/passwd" is not a lease id/,
    ],
  ])('%o is refused naming the variable', async (env, pattern) => {
    await failsWith({ SECRET_REFRESH_LEASE_DIR: '', ...env }, pattern);
  });

  it('SECRET_REFRESH_PORT set by a Service named secret-refresh (tcp://…) is not a setting: the default port stays', () => {
    const env = { VAULT_TOKEN: TOKEN, VAULT_ADDR: 'http://v:8200', SECRET_REFRESH_LEASE_DIR: '' };
    expect(loadConfig({ ...env, SECRET_REFRESH_PORT: 'tcp://10.0.0.13:8098' }).listen.port).toBe(DEFAULTS.port);
    expect(loadConfig({ ...env, SECRET_REFRESH_PORT: '9000' }).listen.port).toBe(9000);
  });

  it('a lease file with a missing field names the file and the field', async () => {
    const dir = tempDir('badfile');
    writeFileSync(join(dir, 'token'), TOKEN);
    writeFileSync(
      join(dir, 'leases.json'),
      JSON.stringify({
        version: 1,
        vaultAddr: 'http://v:8200',
        token: { ttl: 5, renewable: true, expiresAt: null },
        leases: [{ leaseId: 'database/creds/x/1', path: 'database/creds/x', ttl: 5, renewable: true }],
      }),
    );
    await failsWith({ SECRET_REFRESH_LEASE_DIR: dir }, /leases\.json: leases\[0\]\.expiresAt must be an RFC 3339 time/);
  });

  it('a named lease directory without a lease file is an error, not a silent fallback', async () => {
    const dir = tempDir('empty');
    mkdirSync(join(dir, 'sub'));
    await failsWith(
      { SECRET_REFRESH_LEASE_DIR: join(dir, 'sub'), VAULT_TOKEN: TOKEN, VAULT_ADDR: 'http://v:8200' },
      /SECRET_REFRESH_LEASE_DIR: .* has no leases\.json/,
    );
  });

  it('an env file whose VAULT_TOKEN needs a shell to expand names the file and line, not the value', async () => {
    const dir = tempDir('envfile');
    const file = join(dir, 'variables');
    writeFileSync(file, `export VAULT_ADDR='http://v:8200'\n\nexport VAULT_TOKEN="${TOKEN}$(cat /x)"\n`);
    await failsWith(
      { SECRET_REFRESH_LEASE_DIR: '', SECRET_REFRESH_ENV_FILE: file },
      new RegExp(`${file}:3: the value of VAULT_TOKEN is not a plain shell word`),
    );
  });
});
