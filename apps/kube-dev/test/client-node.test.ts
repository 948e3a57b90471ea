/** @kubernetes/client-node 1.x against kube-dev: CRUD with Kubernetes' errors, an informer, Leases. */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  makeInformer,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeDev, type KubeDev } from '../src/index.js';
import { call } from './support/https.js';

let kube: KubeDev;
let kc: KubeConfig;
let dir: string;

beforeAll(async () => {
  // Watches without timeoutSeconds (client-node sends none) end after 1 s, to exercise re-watching.
  kube = await startKubeDev({ watchTimeoutSeconds: 1, namespaces: ['apps'] });
  dir = mkdtempSync(join(tmpdir(), 'kube-dev-client-node-'));
  kc = new KubeConfig();
  kc.loadFromFile(kube.writeKubeconfig(join(dir, 'config'), 'apps'));
});

afterAll(async () => {
  await kube.close();
  rmSync(dir, { recursive: true, force: true });
});

function statusOf(err: unknown): { code: number; reason: string; kind: string } {
  expect(err).toBeInstanceOf(ApiException);
  const body = JSON.parse((err as ApiException<string>).body);
  return { code: (err as ApiException<string>).code, reason: body.reason, kind: body.kind };
}

describe('client-node', () => {
  it('creates, reads, patches, replaces and deletes a ConfigMap with Kubernetes errors on misuse', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: 'apps',
      body: { metadata: { name: 'settings' }, data: { a: '1' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);

    const duplicate = await core
      .createNamespacedConfigMap({ namespace: 'apps', body: { metadata: { name: 'settings' } } })
      .catch((e: unknown) => e);
    expect(statusOf(duplicate)).toEqual({ code: 409, reason: 'AlreadyExists', kind: 'Status' });

    const patched = await core.patchNamespacedConfigMap({
      name: 'settings',
      namespace: 'apps',
      body: [{ op: 'replace', path: '/data/a', value: '2' }],
    });
    expect(patched.data).toEqual({ a: '2' });

    const stale: V1ConfigMap = { ...created, data: { a: 'stale' } };
    const conflict = await core
      .replaceNamespacedConfigMap({ name: 'settings', namespace: 'apps', body: stale })
      .catch((e: unknown) => e);
    expect(statusOf(conflict)).toEqual({ code: 409, reason: 'Conflict', kind: 'Status' });

    await core.deleteNamespacedConfigMap({ name: 'settings', namespace: 'apps' });
    const missing = await core
      .readNamespacedConfigMap({ name: 'settings', namespace: 'apps' })
      .catch((e: unknown) => e);
    expect(statusOf(missing)).toEqual({ code: 404, reason: 'NotFound', kind: 'Status' });
  });

  it('keeps the data and the mark of an immutable ConfigMap or Secret, and lets its metadata change', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'apps',
      body: { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true },
    });
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const edit = ({ metadata, ...body }: { metadata?: object; [field: string]: unknown }, kind = 'ConfigMap') =>
      objects
        .patch(
          { apiVersion: 'v1', kind, ...body, metadata: { name: 'frozen', namespace: 'apps', ...metadata } },
          undefined,
          undefined,
          undefined,
          undefined,
          PatchStrategy.MergePatch,
        )
        .catch((e: unknown) => e);
    for (const body of [{ data: { a: '2' } }, { binaryData: { b: 'AA==' } }, { immutable: false }]) {
      const err = await edit(body);
      expect(statusOf(err)).toEqual({ code: 422, reason: 'Invalid', kind: 'Status' });
      expect(JSON.parse((err as ApiException<string>).body).message).toContain(
        'field is immutable when `immutable` is set',
      );
    }
    const relabelled = (await edit({ metadata: { labels: { tier: 'web' } } })) as V1ConfigMap;
    expect(relabelled.metadata?.labels).toEqual({ tier: 'web' });
    expect(relabelled.data).toEqual({ a: '1' });

    await core.createNamespacedSecret({
      namespace: 'apps',
      body: { metadata: { name: 'frozen' }, data: { k: 'AA==' }, immutable: true },
    });
    expect(statusOf(await edit({ stringData: { k: 'new' } }, 'Secret'))).toEqual({
      code: 422,
      reason: 'Invalid',
      kind: 'Status',
    });
    await core.deleteNamespacedConfigMap({ name: 'frozen', namespace: 'apps' });
    await core.deleteNamespacedSecret({ name: 'frozen', namespace: 'apps' });
  });

  it('refuses a value of the wrong JSON type, as Go decodes it, and takes a Quantity as a number too', async () => {
    const pod = (container: object) => ({
      metadata: { name: 'typed' },
      spec: { containers: [{ name: 'a', image: 'a', ...container }] },
    });
    for (const [body, at] of [
      [pod({ env: [{ name: 'PORT', value: 8080 }] }), 'spec.containers[0].env[0].value'],
      [pod({ ports: [{ containerPort: '80' }] }), 'spec.containers[0].ports[0].containerPort'],
      [pod({ stdin: 'yes' }), 'spec.containers[0].stdin'],
    ] as const) {
      const refused = await call(kube, 'POST', '/api/v1/namespaces/apps/pods', body);
      expect(refused.status, at).toBe(400);
      expect(refused.body.message).toContain(`cannot unmarshal`);
      expect(refused.body.message).toContain(at);
    }
    const data = await call(kube, 'POST', '/api/v1/namespaces/apps/configmaps', {
      metadata: { name: 'typed' },
      data: { a: 1 },
    });
    expect(data.status).toBe(400);
    const applied = await call(
      kube,
      'PATCH',
      '/api/v1/namespaces/apps/configmaps/typed?fieldManager=t',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typed' }, data: { a: true } },
      undefined,
      'application/apply-patch+yaml',
    );
    expect(applied.status).toBe(400);
    expect(applied.body.message).toContain('.data.a: expected string, got bool');
    const quantities = await call(
      kube,
      'POST',
      '/api/v1/namespaces/apps/pods',
      pod({ resources: { limits: { cpu: 1, memory: '64Mi' }, requests: { cpu: 0.5 } } }),
    );
    expect(quantities.status, JSON.stringify(quantities.body)).toBe(201);
    await call(kube, 'DELETE', '/api/v1/namespaces/apps/pods/typed?gracePeriodSeconds=0');
  });

  it('refuses a ConfigMap over 1 MiB, names and values together', async () => {
    const body = (name: string, bytes: number) => ({ metadata: { name }, data: { f: 'x'.repeat(bytes) } });
    const tooBig = await call(kube, 'POST', '/api/v1/namespaces/apps/configmaps', body('big', 1024 * 1024));
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.message).toContain('Too long: must have at most 1048576 bytes');
    const fits = await call(kube, 'POST', '/api/v1/namespaces/apps/configmaps', body('fits', 1024 * 1024 - 1));
    expect(fits.status).toBe(201);
    await call(kube, 'DELETE', '/api/v1/namespaces/apps/configmaps/fits');
  });

  it('keeps an Event in the namespace of the object it is about', async () => {
    const event = (namespace: string) => ({
      metadata: { name: `e-${namespace}` },
      involvedObject: { kind: 'Pod', namespace, name: 'p' },
      reason: 'Test',
      message: 'm',
      type: 'Normal',
    });
    const elsewhere = await call(kube, 'POST', '/api/v1/namespaces/apps/events', event('default'));
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.message).toContain('involvedObject.namespace: Invalid value');
    expect((await call(kube, 'POST', '/api/v1/namespaces/apps/events', event('apps'))).status).toBe(201);
  });

  it('keeps an informer in sync across watch timeouts and relists after 410 Expired', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    let lists = 0;
    const informer = makeInformer(kc, '/api/v1/namespaces/apps/configmaps', () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: 'apps' });
    });
    const seen = new Set<string>();
    informer.on('add', (cm) => seen.add(cm.metadata?.name ?? ''));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'apps', body: { metadata: { name: 'first' } } });
      await expect.poll(() => seen.has('first')).toBe(true);
      // Past the 1 s watch timeout: the informer re-watched and still sees changes.
      await new Promise((r) => setTimeout(r, 1300));
      await core.createNamespacedConfigMap({ namespace: 'apps', body: { metadata: { name: 'second' } } });
      await expect.poll(() => seen.has('second')).toBe(true);
      expect(lists).toBe(1);

      // Move the store past the informer's revision, then forget the history.
      await core.createNamespacedSecret({ namespace: 'apps', body: { metadata: { name: 'unrelated' } } });
      kube.store.compact();
      await expect.poll(() => lists, { timeout: 5000 }).toBe(2);
      await core.createNamespacedConfigMap({ namespace: 'apps', body: { metadata: { name: 'third' } } });
      await expect.poll(() => seen.has('third')).toBe(true);
      expect(
        informer
          .list()
          .map((c) => c.metadata?.name)
          .sort(),
      ).toEqual(['first', 'second', 'third']);
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('lets one leader election candidate win a Lease update and answers the other with 409', async () => {
    const coordination = kc.makeApiClient(CoordinationV1Api);
    // A MicroTime, as a real API server decodes it: six fractional digits (client-node would send a Date's three).
    const micro = () => new Date().toISOString().replace('Z', '000Z') as unknown as Date;
    const now = micro();
    const lease = await coordination.createNamespacedLease({
      namespace: 'apps',
      body: {
        metadata: { name: 'controller' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      },
    });
    const takeover = (holder: string) => ({
      ...lease,
      spec: { ...lease.spec, holderIdentity: holder, renewTime: micro(), leaseTransitions: 1 },
    });
    const won = await coordination.replaceNamespacedLease({
      name: 'controller',
      namespace: 'apps',
      body: takeover('b'),
    });
    expect(won.spec?.holderIdentity).toBe('b');
    const lost = await coordination
      .replaceNamespacedLease({ name: 'controller', namespace: 'apps', body: takeover('c') })
      .catch((e: unknown) => e);
    expect(statusOf(lost)).toEqual({ code: 409, reason: 'Conflict', kind: 'Status' });

    const withoutVersion = { ...takeover('c'), metadata: { name: 'controller' } };
    const invalid = await coordination
      .replaceNamespacedLease({ name: 'controller', namespace: 'apps', body: withoutVersion })
      .catch((e: unknown) => e);
    expect(statusOf(invalid)).toEqual({ code: 422, reason: 'Invalid', kind: 'Status' });

    // A MicroTime has exactly six fractional digits: anything else fails to decode, as on a real API server.
    for (const renewTime of ['2026-12-04T22:00:00Z', '2026-12-04T22:00:00.123Z', 'yesterday']) {
      const body = { metadata: { name: 'bad-time' }, spec: { holderIdentity: 'a', renewTime } };
      const refused = await call(kube, 'POST', '/apis/coordination.k8s.io/v1/namespaces/apps/leases', body);
      expect(refused.status, renewTime).toBe(400);
      expect(refused.body.message).toContain('2006-01-02T15:04:05.000000Z07:00');
    }

    const current = await coordination.readNamespacedLease({ name: 'controller', namespace: 'apps' });
    expect(current.spec?.holderIdentity).toBe('b');
  });
});
