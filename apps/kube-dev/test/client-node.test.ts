/** @kubernetes/client-node 1.x against kube-dev: CRUD with Kubernetes' errors, an informer, Leases. */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeDev, type KubeDev } from '../src/index.js';

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
    const now = new Date();
    const lease = await coordination.createNamespacedLease({
      namespace: 'apps',
      body: {
        metadata: { name: 'controller' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      },
    });
    const takeover = (holder: string) => ({
      ...lease,
      spec: { ...lease.spec, holderIdentity: holder, renewTime: new Date(), leaseTransitions: 1 },
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

    const current = await coordination.readNamespacedLease({ name: 'controller', namespace: 'apps' });
    expect(current.spec?.holderIdentity).toBe('b');
  });
});
