/**
 * Restart on change skips a deployment whose pods all started after the change: they read the new value when they
 * started. The usual CI order — set the secret, then deploy — must not roll the fresh deployment out twice, and a
 * deployment with a pod from before the change is still restarted. A deployment in a namespace that may not run the
 * app is never restarted (nor told, by an Event, which keys changed). Against a real kube-dev; the change feed is a
 * fixed page of the Secret API's answer (its own tests cover how the API builds it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSecretChange } from '@secret-api/contract';
import { startKubeDev, type KubeDev } from 'kube-dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NamespaceGrants } from '../src/delivery/namespace-grants.js';
import { KubeClient, type KubeObject } from '../src/kube/client.js';
import { kubeconfigConnection } from '../src/kube/connection.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import { CLOCK_MARGIN_MS, RolloutRestarter } from '../src/restart/rollout-restart.js';

let kube: KubeDev;
let k8s: KubeClient;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rollout-restart-'));
  kube = await startKubeDev({ namespaces: ['apps', 'other'] });
  k8s = new KubeClient(await kubeconfigConnection(kube.writeKubeconfig(join(dir, 'kubeconfig'))));
  // The platform team lets namespace apps run myapp; namespace other runs only an app called other.
  await k8s.patch(
    '/api/v1/namespaces/apps',
    { metadata: { annotations: { 'secret-api.dev/apps': 'myapp' } } },
    'merge',
  );
});

afterAll(async () => {
  await kube?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function deploy(name: string, namespace = 'apps', reads?: string): Promise<void> {
  const labels = { app: name };
  const annotations: Record<string, string> = { 'secret-api.dev/restart-on-change': 'true' };
  if (reads !== undefined) annotations['secret-api.dev/reads'] = reads;
  await k8s.create(`/apis/apps/v1/namespaces/${namespace}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, annotations },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { 'secret-api.dev/role': 'myapp' } },
        spec: { containers: [{ name: 'app', image: 'app' }] },
      },
    },
  });
  await expect
    .poll(async () => (await k8s.list(`/api/v1/namespaces/${namespace}/pods?labelSelector=app%3D${name}`)).items.length)
    .toBe(1);
}

const restartedAt = async (name: string, namespace = 'apps') =>
  (
    (await k8s.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`)) as KubeObject & {
      spec: { template: { metadata: { annotations?: Record<string, string> } } };
    }
  ).spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];

describe('restart on change', () => {
  it('restarts a deployment with a pod from before the change; leaves one whose pods came after it, and one in a namespace that may not run the app', async () => {
    await deploy('early');
    await deploy('thief', 'other');
    // Pod creation times have whole seconds: the change must be in a later second than the early pod, and the late
    // pods later than the change by the clock margin.
    await new Promise((r) => setTimeout(r, 1100));
    const changedAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, CLOCK_MARGIN_MS + 1100));
    await deploy('late');

    const cursor = { at: 'c1' };
    const { recorded } = await poll([{ scope: 'app', app: 'myapp', key: 'API_KEY', version: 2, changedAt }], cursor);
    expect(await restartedAt('early')).toBeDefined();
    expect(await restartedAt('late')).toBeUndefined();
    expect(await restartedAt('thief', 'other')).toBeUndefined();
    expect(recorded).toEqual(['apps/early']);
    expect(cursor.at).toBe('next');
  });

  it('restarts a deployment only for the secrets its pods read (secret-api.dev/reads); without the annotation, or with *, for any', async () => {
    await deploy('reads-key', 'apps', 'API_KEY,cluster/DSN');
    await deploy('reads-other', 'apps', 'OTHER,global/ELSE');
    await deploy('reads-nothing', 'apps', '');
    await deploy('reads-any', 'apps', '*');
    await deploy('unannotated');
    await new Promise((r) => setTimeout(r, 1100));
    const changedAt = new Date().toISOString();
    const restarted = async () => {
      const names = ['reads-key', 'reads-other', 'reads-nothing', 'reads-any', 'unannotated'];
      const out: Record<string, string | undefined> = {};
      for (const name of names) out[name] = await restartedAt(name);
      return out;
    };

    // A shared scope's key no pod names: only those that may read anything.
    const global = await poll([{ scope: 'global', key: 'X', version: 1, changedAt }]);
    // (The first test's deployments are in the namespace too, and may read anything.)
    expect(global.recorded.filter((d) => /reads-|unannotated/.test(d)).sort()).toEqual([
      'apps/reads-any',
      'apps/unannotated',
    ]);
    const afterGlobal = await restarted();
    expect(afterGlobal['reads-key']).toBeUndefined();
    expect(afterGlobal['reads-other']).toBeUndefined();

    // The app's own API_KEY and the cluster's DSN, which reads-key names.
    await new Promise((r) => setTimeout(r, 1100));
    const later = new Date().toISOString();
    const own = await poll([
      { scope: 'app', app: 'myapp', key: 'API_KEY', version: 3, changedAt: later },
      { scope: 'cluster', key: 'DSN', version: 1, changedAt: later },
      { scope: 'app', app: 'other', key: 'OTHER', version: 1, changedAt: later },
    ]);
    expect(own.recorded).toContain('apps/reads-key');
    expect(own.recorded).not.toContain('apps/reads-other');
    expect(own.recorded).not.toContain('apps/reads-nothing');
    expect(own.events.find((e) => e.startsWith('apps/reads-key'))).toContain('myapp/API_KEY v3, cluster/DSN v1');
    const afterOwn = await restarted();
    expect(afterOwn['reads-key']).toBeDefined();
    expect(afterOwn['reads-other']).toBeUndefined();
    expect(afterOwn['reads-nothing']).toBeUndefined();
  });
});

/** One poll of a restarter whose feed answers `items` (after a cursor): the deployments it told of a restart. */
async function poll(
  items: TSecretChange[],
  cursor = { at: 'previous' },
): Promise<{ recorded: string[]; events: string[] }> {
  const recorded: string[] = [];
  const events: string[] = [];
  const restarter = new RolloutRestarter({
    secretApi: { listChanges: async () => ({ items, nextCursor: 'next', cursor: 'next', more: false }) },
    kube: k8s,
    namespaces: new NamespaceGrants({ kube: k8s }),
    events: {
      record: (target, _type, _reason, message) => {
        recorded.push(`${String(target.namespace)}/${String(target.name)}`);
        events.push(`${String(target.namespace)}/${String(target.name)}: ${message}`);
      },
    },
    metrics: createMetrics({ defaultMetrics: false }),
    log: createLogger('error', () => undefined),
    pollMs: 60_000,
    cursor: { load: () => cursor.at, save: (at) => (cursor.at = at) },
  });
  await restarter.pollOnce();
  return { recorded, events };
}
