// audit against the real API, written to libs/contract/src/audit.ts.
import { rm } from 'node:fs/promises';
import { ZAuditList } from '@secret-api/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SUBJECT, startApi } from './support/api.js';
import type { RunningApi } from './support/api.js';
import { baseEnv, runCli, tempHome } from './support/cli.js';

let api: RunningApi;
let home: string;
let admin: Record<string, string | undefined>;
let owner: Record<string, string | undefined>;
let nobody: Record<string, string | undefined>;

beforeAll(async () => {
  api = await startApi('audit');
  home = await tempHome();
  const as = (token: string) => ({ ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: token });
  admin = as(api.adminToken);
  owner = as(await api.sign('olivia@example.com', ['team-shop']));
  nobody = as(await api.sign('nobody@example.com', ['elsewhere']));
  for (const args of [
    ['clusters', 'create', 'aws.stg', '--controller', 'ctrl@aws.stg'],
    ['apps', 'create', 'shop', '--owner-group', 'team-shop'],
    ['apps', 'create', 'blog', '--owner-group', 'team-blog'],
  ]) {
    const r = await runCli(args, { env: admin });
    if (r.code !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  }
  await runCli(['secrets', 'set', 'shop', 'DB_PASSWORD'], { env: owner, input: 'x' });
  await runCli(['roleid', 'shop', '--cluster', 'aws.stg'], { env: owner });
});
afterAll(async () => {
  await api?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('deployer audit', () => {
  it('--app --since 24h: the events of the app, newest first, as a table and as the contract list', async () => {
    const r = await runCli(['audit', '--app', 'shop', '--since', '24h'], { env: admin });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+TARGET\s+RESULT$/);
    expect(r.stdout).toMatch(/secret\.set/);
    const j = await runCli(['audit', '--app', 'shop', '--since', '24h', '--json'], { env: admin });
    expect(j.code).toBe(0);
    const events = ZAuditList.parse(j.json()).items;
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['secret.set', 'approle.ensure']));
    expect(events.every((e) => e.target.includes('shop'))).toBe(true);
    const times = events.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('--since accepts an ISO timestamp; a future one matches nothing', async () => {
    const r = await runCli(['audit', '--since', '2999-01-01T00:00:00Z', '--json'], { env: admin });
    expect(r.code).toBe(0);
    expect(ZAuditList.parse(r.json()).items).toEqual([]);
    const text = await runCli(['audit', '--since', '2999-01-01'], { env: admin });
    expect(text.stdout).toBe('No matching audit events.\n');
  });

  it('--actor filters by subject', async () => {
    const r = await runCli(['audit', '--actor', ADMIN_SUBJECT, '--json'], { env: admin });
    const events = ZAuditList.parse(r.json()).items;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.actor === ADMIN_SUBJECT)).toBe(true);
  });

  it('an owner sees the events of their app; not those of other apps (exit 2)', async () => {
    const mine = await runCli(['audit', '--app', 'shop', '--json'], { env: owner });
    expect(mine.code).toBe(0);
    expect(ZAuditList.parse(mine.json()).items.length).toBeGreaterThan(0);
    expect((await runCli(['audit', '--app', 'blog'], { env: owner })).code).toBe(2);
    expect((await runCli(['audit', '--app', 'shop'], { env: nobody })).code).toBe(2);
  });

  it('an unknown app is exit 3; a bad --since is exit 1 before any request', async () => {
    expect((await runCli(['audit', '--app', 'nosuch'], { env: admin })).code).toBe(3);
    const bad = await runCli(['audit', '--since', 'yesterday'], { env: admin });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--since 'yesterday' is neither a duration/);
  });
});
