/**
 * The change stream a cluster's controller polls for restart-on-change: what concerns the cluster, and nothing of
 * the apps that never run there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let admin: ApiClient;
let controller: ApiClient;
const CONTROLLER = 'k8s:aws.stg:system:serviceaccount:secrets:controller';

beforeAll(async () => {
  stack = await startStack('cluster_changes');
  admin = await stack.admin();
  expect((await admin.post('/v1/clusters', { name: 'aws.stg', controllerSubjects: [CONTROLLER] })).status).toBe(201);
  expect(
    (
      await admin.post('/v1/clusters', {
        name: 'gcp.prd',
        controllerSubjects: ['k8s:gcp.prd:system:serviceaccount:secrets:controller'],
      })
    ).status,
  ).toBe(201);
  for (const app of ['here', 'elsewhere', 'nowhere']) {
    expect((await admin.post('/v1/apps', { name: app, ownerGroups: ['team'] })).status).toBe(201);
  }
  expect((await admin.put('/v1/apps/here/clusters/aws.stg/approle')).status).toBe(200);
  expect((await admin.put('/v1/apps/elsewhere/clusters/gcp.prd/approle')).status).toBe(200);
  controller = await stack.as(CONTROLLER);
});
afterAll(async () => stack?.close());

describe('GET /v1/clusters/:cluster/changes', () => {
  it("reports the own secrets of apps with an AppRole in the cluster and the shared scopes, not other apps' keys", async () => {
    const head = await controller.get('/v1/clusters/aws.stg/changes');
    expect(head.status, head.text).toBe(200);
    expect(head.body).toMatchObject({ items: [], more: false });
    expect(head.body.nextCursor).toBe(head.body.cursor);

    const set = (path: string) => admin.put(path, { value: 'v' });
    expect((await set('/v1/apps/here/secrets/HERE_KEY')).status).toBe(200);
    expect((await set('/v1/apps/elsewhere/secrets/ELSEWHERE_KEY')).status).toBe(200);
    expect((await set('/v1/apps/nowhere/secrets/NOWHERE_KEY')).status).toBe(200);
    expect((await set('/v1/scopes/global/secrets/SHARED_KEY')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_200)); // the settle window

    const page = await controller.get(`/v1/clusters/aws.stg/changes?after=${head.body.nextCursor}`);
    expect(page.status, page.text).toBe(200);
    const keys = (page.body.items as { scope: string; app?: string; key: string }[]).map((c) => `${c.scope}:${c.key}`);
    expect(keys.sort()).toEqual(['app:HERE_KEY', 'global:SHARED_KEY']);
    expect(page.text).not.toMatch(/ELSEWHERE|NOWHERE|elsewhere|nowhere/);
    expect(page.body.nextCursor).toBe(page.body.cursor);
    expect(BigInt(page.body.nextCursor)).toBeGreaterThan(BigInt(head.body.nextCursor));
  });

  it('moves a cursor past the newest change (a restored database) back to the head', async () => {
    const head = (await controller.get('/v1/clusters/aws.stg/changes')).body.nextCursor as string;
    for (const ahead of ['99999', '9007199254740993']) {
      const reply = await controller.get(`/v1/clusters/aws.stg/changes?after=${ahead}`);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body).toMatchObject({ items: [], nextCursor: head, more: false });
    }
  });
});
