/**
 * Deletion as the real API server and its controllers do it: finalizers hold an object (marked with a
 * deletionTimestamp) until they are all removed; an owner's dependents of any kind follow it, or hold it with
 * propagationPolicy=Foreground; a namespace terminates — its pods stopped gracefully — and goes once empty.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandRunner, startKubeDev, type KubeDev } from '../src/index.js';
import { call } from './support/https.js';

let kube: KubeDev;

beforeAll(async () => {
  kube = await startKubeDev({ namespaces: ['apps', 'doomed'], runInitContainer: commandRunner() });
});

afterAll(async () => {
  await kube.close();
});

const cm = (namespace: string, name: string) => `/api/v1/namespaces/${namespace}/configmaps/${name}`;
const create = (namespace: string, body: object) =>
  call(kube, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, body);
const merge = (path: string, body: object) =>
  call(kube, 'PATCH', path, body, undefined, 'application/merge-patch+json');

describe('deletion', () => {
  it('a finalizer holds an object, marked as being deleted, until it is removed; none may be added meanwhile', async () => {
    expect((await create('apps', { metadata: { name: 'held', finalizers: ['example.com/hold'] } })).status).toBe(201);
    const deleted = await call(kube, 'DELETE', cm('apps', 'held'));
    expect(deleted.status).toBe(200);
    const held = await call(kube, 'GET', cm('apps', 'held'));
    expect(held.status).toBe(200);
    expect(held.body.metadata.deletionTimestamp).toBeDefined();
    const added = await merge(cm('apps', 'held'), {
      metadata: { finalizers: ['example.com/hold', 'example.com/more'] },
    });
    expect(added.status).toBe(422);
    expect(added.body.message).toContain('no new finalizers can be added if the object is being deleted');
    expect((await merge(cm('apps', 'held'), { metadata: { finalizers: null } })).status).toBe(200);
    expect((await call(kube, 'GET', cm('apps', 'held'))).status).toBe(404);
  });

  it("an owner's dependents of any kind follow it; with Foreground it waits for them", async () => {
    const owner = (await create('apps', { metadata: { name: 'owner' } })).body;
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid };
    await create('apps', { metadata: { name: 'child', ownerReferences: [ref] } });
    await call(kube, 'POST', '/api/v1/namespaces/apps/secrets', {
      metadata: { name: 'child', ownerReferences: [ref] },
    });
    expect((await call(kube, 'DELETE', cm('apps', 'owner'))).status).toBe(200);
    await expect.poll(async () => (await call(kube, 'GET', cm('apps', 'child'))).status).toBe(404);
    await expect.poll(async () => (await call(kube, 'GET', '/api/v1/namespaces/apps/secrets/child')).status).toBe(404);

    const parent = (await create('apps', { metadata: { name: 'parent' } })).body;
    const parentRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'parent', uid: parent.metadata.uid };
    await create('apps', { metadata: { name: 'kid', ownerReferences: [parentRef], finalizers: ['example.com/hold'] } });
    const foreground = await call(kube, 'DELETE', `${cm('apps', 'parent')}?propagationPolicy=Foreground`);
    expect(foreground.status).toBe(200);
    expect(foreground.body.metadata.finalizers).toContain('foregroundDeletion');
    await new Promise((r) => setTimeout(r, 100));
    expect((await call(kube, 'GET', cm('apps', 'parent'))).status).toBe(200);
    expect((await call(kube, 'GET', cm('apps', 'kid'))).body.metadata.deletionTimestamp).toBeDefined();
    await merge(cm('apps', 'kid'), { metadata: { finalizers: null } });
    await expect.poll(async () => (await call(kube, 'GET', cm('apps', 'parent'))).status).toBe(404);
  });

  it('an unknown propagationPolicy, in the query or the body, is a 422 and deletes nothing', async () => {
    await create('apps', { metadata: { name: 'kept' } });
    const query = await call(kube, 'DELETE', `${cm('apps', 'kept')}?propagationPolicy=Bogus`);
    expect(query.status).toBe(422);
    expect(query.body.message).toBe(
      'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Bogus": supported values: "Foreground", "Background", "Orphan", "nil"',
    );
    const body = await call(kube, 'DELETE', cm('apps', 'kept'), { propagationPolicy: 'orphan' });
    expect(body.status).toBe(422);
    expect((await call(kube, 'GET', cm('apps', 'kept'))).status).toBe(200);
  });

  it('a namespace terminates: its pods stop gracefully, nothing new may be created in it, and it goes once empty', async () => {
    await call(kube, 'POST', '/api/v1/namespaces/doomed/serviceaccounts', { metadata: { name: 'web' } });
    const ready = join(mkdtempSync(join(tmpdir(), 'kube-dev-ns-')), 'ready');
    // Says it is ready once its SIGTERM handler is in place (before, a SIGTERM ends the process at once).
    const script = `process.on('SIGTERM', () => setTimeout(() => process.exit(0), 500));
setInterval(() => {}, 1000); require('node:fs').writeFileSync(${JSON.stringify(ready)}, '');`;
    await call(kube, 'POST', '/api/v1/namespaces/doomed/pods', {
      metadata: { name: 'slow-to-stop' },
      spec: {
        serviceAccountName: 'web',
        initContainers: [
          { name: 'side', image: 'side', restartPolicy: 'Always', command: [process.execPath, '-e', script] },
        ],
        containers: [{ name: 'app', image: 'app' }],
      },
    });
    await expect.poll(() => existsSync(ready), { timeout: 10_000 }).toBe(true);
    await create('doomed', { metadata: { name: 'settings' } });

    const deleted = await call(kube, 'DELETE', '/api/v1/namespaces/doomed');
    expect(deleted.status).toBe(200);
    const terminating = await call(kube, 'GET', '/api/v1/namespaces/doomed');
    expect(terminating.body.status.phase).toBe('Terminating');
    expect(
      (await call(kube, 'GET', '/api/v1/namespaces/doomed/pods/slow-to-stop')).body.metadata.deletionTimestamp,
    ).toBeDefined();
    const refused = await create('doomed', { metadata: { name: 'late' } });
    expect(refused.status).toBe(403);
    await expect
      .poll(async () => (await call(kube, 'GET', '/api/v1/namespaces/doomed')).status, { timeout: 5000 })
      .toBe(404);
    expect((await call(kube, 'GET', cm('doomed', 'settings'))).status).toBe(404);
  });
});
