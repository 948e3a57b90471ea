// `deployer apps update` run by several pipelines at once: each edit is sent with the ETag of the read it edited
// (If-Match), and a 412 makes it read again and re-apply, so no run's addition or removal is lost. Against the real
// API for the outcome; against a small stand-in server for what goes over the wire when the app keeps changing.
import { rm } from 'node:fs/promises';
import { ZApp } from '@secret-api/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from './support/api.js';
import type { RunningApi } from './support/api.js';
import { baseEnv, runCli, tempHome } from './support/cli.js';
import { startRecorder, type RecordedRequest, type Reply } from './support/recorder.js';

let home: string;

beforeAll(async () => {
  home = await tempHome();
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('apps update against the real API', () => {
  let api: RunningApi;
  let admin: Record<string, string | undefined>;

  beforeAll(async () => {
    api = await startApi('apps_update_concurrent');
    admin = { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: api.adminToken };
    expect((await runCli(['apps', 'create', 'shop', '--owner-group', 'team-shop'], { env: admin })).code).toBe(0);
  });
  afterAll(async () => api?.stop());

  async function deployers(): Promise<string[]> {
    const r = await runCli(['apps', 'show', 'shop', '--json'], { env: admin });
    expect(r.code, r.stderr).toBe(0);
    return ZApp.parse(r.json()).deployers;
  }

  it('five concurrent runs adding different deployers all end up in the app', async () => {
    const patterns = Array.from({ length: 5 }, (_, i) => `repo:acme/shop-${i}:*`);
    const runs = await Promise.all(
      patterns.map((p) => runCli(['apps', 'update', 'shop', '--add-deployer', p], { env: admin })),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect([...(await deployers())].sort()).toEqual(patterns);
  });

  it('four concurrent runs removing different deployers all take effect, and keep the rest', async () => {
    const runs = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        runCli(['apps', 'update', 'shop', '--remove-deployer', `repo:acme/shop-${i}:*`], { env: admin }),
      ),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(await deployers()).toEqual(['repo:acme/shop-4:*']);
  });
});

/**
 * Answers GET /v1/apps/myapp with `apps[n]` and ETag `"v<n>"` (n = how many GETs came before, capped at the last),
 * and PATCH with `patch(n)` for the n-th PATCH (0-based); records every request (support/recorder.ts).
 */
async function standIn(
  apps: readonly { deployers: string[] }[],
  patch: (index: number) => { status: number; body: unknown },
  options: { etags?: boolean } = {},
): Promise<{ url: string; seen: RecordedRequest[]; close(): Promise<void> }> {
  let gets = 0;
  let patches = 0;
  const recorder = await startRecorder((req): Reply => {
    if (req.method === 'GET' && req.url === '/v1/apps/myapp') {
      const n = Math.min(gets++, apps.length - 1);
      return {
        status: 200,
        body: { name: 'myapp', ownerGroups: ['team-a'], revealGroups: [], createdAt: NOW, ...apps[n] },
        ...(options.etags !== false && { headers: { ETag: `"v${n}"` } }),
      };
    }
    if (req.method === 'PATCH' && req.url === '/v1/apps/myapp') {
      const reply = patch(patches++);
      return { ...reply, contentType: reply.status >= 400 ? 'application/problem+json' : 'application/json' };
    }
    return { status: 500 };
  });
  return { url: recorder.url, seen: recorder.requests, close: () => recorder.close() };
}

const NOW = '2026-01-02T03:04:05.000Z';
const PRECONDITION_FAILED = {
  status: 412,
  body: {
    type: 'urn:secret-api:problem:precondition_failed',
    title: 'Precondition failed',
    status: 412,
    detail: "app 'myapp' changed since the ETag you sent was issued",
  },
};
const updated = (deployers: string[]) => ({
  status: 200,
  body: { name: 'myapp', ownerGroups: ['team-a'], deployers, revealGroups: [], createdAt: NOW },
});

describe('apps update on the wire', () => {
  const env = (url: string) => ({ ...baseEnv(home), SECRET_API_URL: url, SECRET_API_TOKEN: 'a-token' });

  it('sends the ETag it read; on 412 reads again and re-applies its edit to what it finds', async () => {
    const server = await standIn([{ deployers: [] }, { deployers: ['repo:other:*'] }], (i) =>
      i === 0 ? PRECONDITION_FAILED : updated(['repo:other:*', 'repo:mine:*']),
    );
    try {
      const r = await runCli(['apps', 'update', 'myapp', '--add-deployer', 'repo:mine:*'], { env: env(server.url) });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Updated app myapp\./);
      const patches = server.seen.filter((s) => s.method === 'PATCH');
      expect(server.seen.map((s) => s.method)).toEqual(['GET', 'PATCH', 'GET', 'PATCH']);
      expect(patches.map((p) => p.headers['if-match'])).toEqual(['"v0"', '"v1"']);
      expect(patches.map((p) => JSON.parse(p.body) as unknown)).toEqual([
        { deployers: ['repo:mine:*'] },
        { deployers: ['repo:other:*', 'repo:mine:*'] },
      ]);
    } finally {
      await server.close();
    }
  });

  it('gives up after 5 attempts with a clear message and a non-zero exit code', async () => {
    const server = await standIn([{ deployers: [] }], () => PRECONDITION_FAILED);
    try {
      const r = await runCli(['apps', 'update', 'myapp', '--add-deployer', 'repo:mine:*'], { env: env(server.url) });
      expect(r.code, 'exit code 4: conflict').toBe(4);
      expect(r.stderr).toMatch(
        /^Error: app myapp kept changing while this command edited it: each of 5 attempts found another change made first, and this command changed nothing; run it again\n/,
      );
      expect(server.seen.filter((s) => s.method === 'GET')).toHaveLength(5);
      expect(server.seen.filter((s) => s.method === 'PATCH')).toHaveLength(5);

      const json = await runCli(['apps', 'update', 'myapp', '--add-deployer', 'repo:mine:*', '--json'], {
        env: env(server.url),
      });
      expect(json.code).toBe(r.code);
      expect(json.json()).toMatchObject({ code: 'precondition_failed', httpStatus: 412 });
    } finally {
      await server.close();
    }
  });

  it('if the API answers no ETag, sends the change without If-Match, as before', async () => {
    const server = await standIn([{ deployers: [] }], () => updated(['repo:mine:*']), { etags: false });
    try {
      const r = await runCli(['apps', 'update', 'myapp', '--add-deployer', 'repo:mine:*'], { env: env(server.url) });
      expect(r.code, r.stderr).toBe(0);
      const patch = server.seen.find((s) => s.method === 'PATCH');
      expect(patch?.headers['if-match']).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
