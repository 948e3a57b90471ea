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

async function deploy(name: string, namespace = 'apps'): Promise<void> {
  const labels = { app: name };
  await k8s.create(`/apis/apps/v1/namespaces/${namespace}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, annotations: { 'secret-api.dev/restart-on-change': 'true' } },
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

    let cursor: string | undefined = 'c1';
    const recorded: string[] = [];
    const restarter = new RolloutRestarter({
      secretApi: {
        listChanges: async () => ({
          items: [{ scope: 'app', app: 'myapp', key: 'API_KEY', version: 2, changedAt }],
          nextCursor: 'c2',
          cursor: 'c2',
          more: false,
        }),
      },
      kube: k8s,
      namespaces: new NamespaceGrants({ kube: k8s }),
      events: { record: (target) => void recorded.push(`${String(target.namespace)}/${String(target.name)}`) },
      metrics: createMetrics({ defaultMetrics: false }),
      log: createLogger('error', () => undefined),
      pollMs: 60_000,
      cursor: { load: () => cursor, save: (c) => (cursor = c) },
    });
    await restarter.pollOnce();
    expect(await restartedAt('early')).toBeDefined();
    expect(await restartedAt('late')).toBeUndefined();
    expect(await restartedAt('thief', 'other')).toBeUndefined();
    expect(recorded).toEqual(['apps/early']);
    expect(cursor).toBe('c2');
  });
});
