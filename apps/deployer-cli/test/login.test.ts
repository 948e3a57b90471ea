// login, whoami and where the token comes from: the saved file (0600, XDG_CONFIG_HOME) and the environment.
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZWhoamiResponse } from '@secret-api/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SUBJECT, startApi } from './support/api.js';
import type { RunningApi } from './support/api.js';
import { baseEnv, runCli, runInTerminal, tempHome } from './support/cli.js';

let api: RunningApi;
let home: string;

beforeAll(async () => {
  api = await startApi('login');
  home = await tempHome();
});
afterAll(async () => {
  await api?.stop();
  await rm(home, { recursive: true, force: true });
});

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('deployer login', () => {
  it('ignores a relative XDG_CONFIG_HOME, as the XDG spec says: the file is in ~/.config wherever the CLI runs', async () => {
    const env = { ...baseEnv(home), XDG_CONFIG_HOME: 'relative-xdg' };
    const r = await runCli(['login', '--api-url', api.url, '--token-stdin'], { env, input: `${api.adminToken}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Saved to ${join(home, '.config', 'deployer', 'config.json')}`);
  });

  it('--token-stdin verifies the token, then saves URL and token in $XDG_CONFIG_HOME/deployer/config.json, mode 0600', async () => {
    const xdg = await mkdtemp(join(tmpdir(), 'deployer-xdg-'));
    const env = { ...baseEnv(home), XDG_CONFIG_HOME: xdg };
    const r = await runCli(['login', '--api-url', api.url, '--token-stdin'], { env, input: `${api.adminToken}\n` });
    expect(r.stderr).toContain(`Saved to ${join(xdg, 'deployer', 'config.json')}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Logged in to ${api.url} as ${ADMIN_SUBJECT} (admin).\n`);
    expect(r.stdout + r.stderr).not.toContain(api.adminToken);
    const path = join(xdg, 'deployer', 'config.json');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ apiUrl: api.url, token: api.adminToken });
    expect(await mode(path)).toBe(0o600);
    expect(await mode(join(xdg, 'deployer'))).toBe(0o700);

    const who = await runCli(['whoami', '--json'], { env });
    expect(who.code).toBe(0);
    const body = who.json() as Record<string, unknown>;
    expect(ZWhoamiResponse.parse(body)).toMatchObject({ subject: ADMIN_SUBJECT, admin: true });
    expect(body['apiUrl']).toBe(api.url);
    expect(who.stderr).not.toContain('warning');

    // A copy others may read still works, with a warning that says how to fix it.
    await chmod(path, 0o644);
    const loose = await runCli(['whoami'], { env });
    expect(loose.code).toBe(0);
    expect(loose.stderr).toContain(`warning: ${path} holds your token and other users may read it (mode 0644)`);
    await rm(xdg, { recursive: true, force: true });
  });

  it('without XDG_CONFIG_HOME saves in ~/.config/deployer/config.json', async () => {
    const other = await tempHome();
    const env = { ...baseEnv(other), XDG_CONFIG_HOME: undefined };
    const r = await runCli(['login', '--api-url', api.url, '--token-stdin', '--json'], { env, input: api.adminToken });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      subject: ADMIN_SUBJECT,
      apiUrl: api.url,
      configPath: join(other, '.config', 'deployer', 'config.json'),
    });
    expect(await mode(join(other, '.config', 'deployer', 'config.json'))).toBe(0o600);
    await rm(other, { recursive: true, force: true });
  });

  it('a token the API rejects exits 2 and saves nothing', async () => {
    const other = await tempHome();
    const env = baseEnv(other);
    const r = await runCli(['login', '--api-url', api.url, '--token-stdin'], { env, input: 'not-a-jwt\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: /);
    await expect(stat(join(other, '.config', 'deployer', 'config.json'))).rejects.toThrow(/ENOENT/);
    await rm(other, { recursive: true, force: true });
  });

  it.each([
    ['http://user:pw-secret@127.0.0.1:1', 'must not carry a user or password'],
    ['eyJhbGciOiJFUzI1NiJ9.pasted-token', 'is not a URL'],
    ['ftp://pw-secret.example', 'must be http:// or https://'],
    ['http://127.0.0.1:1/?access_token=pw-secret', 'must not have a query (?…) or fragment (#…)'],
    ['http://127.0.0.1:1#pw-secret', 'must not have a query (?…) or fragment (#…)'],
    ['http://127.0.0.1:1/?', 'must not have a query (?…) or fragment (#…)'],
    ['http://127.0.0.1:1/v1', 'must not end with /v1'],
    ['http://127.0.0.1:1/secrets/v1/', 'must not end with /v1'],
  ])('an API URL %s is refused (exit 1) without being repeated', async (url, message) => {
    const other = await tempHome();
    const r = await runCli(['login', '--api-url', url, '--token-stdin'], { env: baseEnv(other), input: 'x\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout + r.stderr).not.toMatch(/pw-secret|pasted-token/);
    await rm(other, { recursive: true, force: true });
  });

  it('without a terminal and without --token-stdin it refuses (exit 1) instead of hanging', async () => {
    const r = await runCli(['login', '--api-url', api.url], { env: baseEnv(home) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--token-stdin/);
  });

  it('on a terminal it prompts for the token without echoing it', async () => {
    const other = await tempHome();
    const env = baseEnv(other);
    const t = await runInTerminal(
      ['login', '--api-url', api.url],
      [{ waitFor: 'input hidden', type: `${api.adminToken}\r` }],
      {
        env,
      },
    );
    expect(t.output).toContain(`Logged in to ${api.url} as ${ADMIN_SUBJECT}`);
    expect(t.code).toBe(0);
    expect(t.output).not.toContain(api.adminToken.slice(0, 20));
    expect(JSON.parse(await readFile(join(other, '.config', 'deployer', 'config.json'), 'utf8'))).toMatchObject({
      token: api.adminToken,
    });
    await rm(other, { recursive: true, force: true });
  });
});

describe('SECRET_API_URL and SECRET_API_TOKEN', () => {
  it('work without any saved config (the CI way)', async () => {
    const ci = await api.sign('repo:acme/myapp:ref:refs/heads/main', []);
    const r = await runCli(['whoami', '--json'], {
      env: { ...baseEnv(await tempHome()), SECRET_API_URL: api.url, SECRET_API_TOKEN: ci, CI: 'true' },
    });
    expect(r.code).toBe(0);
    expect(ZWhoamiResponse.parse(r.json())).toMatchObject({
      subject: 'repo:acme/myapp:ref:refs/heads/main',
      groups: [],
      admin: false,
    });
  });

  it('override the saved token and URL', async () => {
    const other = await tempHome();
    const env = baseEnv(other);
    expect((await runCli(['login', '--api-url', api.url, '--token-stdin'], { env, input: api.adminToken })).code).toBe(
      0,
    );
    const someone = await api.sign('alice@example.com', ['team-a']);
    const r = await runCli(['whoami'], { env: { ...env, SECRET_API_TOKEN: someone } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Subject:\s+alice@example.com/);
    expect(r.stdout).toMatch(/Groups:\s+team-a/);
    expect(r.stdout).toContain('token from SECRET_API_TOKEN');

    const wrongUrl = await runCli(['whoami'], { env: { ...env, SECRET_API_URL: 'http://127.0.0.1:9' } });
    expect(wrongUrl.code).toBe(5);
    await rm(other, { recursive: true, force: true });
  });

  it('an expired token is exit 2 with the API detail', async () => {
    const expired = await api.sign('bob@example.com', [], { expiresIn: -120 });
    const r = await runCli(['whoami', '--json'], {
      env: { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: expired },
    });
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ status: 2, code: 'unauthenticated', httpStatus: 401 });
  });
});
