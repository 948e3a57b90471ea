/**
 * Rolling updates as the real deployment controller makes them, driven by the real kubectl: never more pods than
 * the desired count plus maxSurge, never fewer available than the desired count less maxUnavailable, and a new
 * `deployment.kubernetes.io/revision` for each new pod template.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeDev, type KubeDev } from '../src/index.js';
import { call, watchEvents } from './support/https.js';
import { kubectlFor, type Kubectl } from './support/kubectl.js';

let kube: KubeDev;
let kubectl: Kubectl;

beforeAll(async () => {
  kube = await startKubeDev();
  kubectl = kubectlFor(kube);
});

afterAll(async () => {
  kubectl.dispose();
  await kube.close();
});

type WatchedPod = {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string }[] };
};

/** The pod events of a watch, from now until it times out. */
const watchPods = (selector: string, seconds: number) =>
  watchEvents<WatchedPod>(
    kube,
    `/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=${seconds}&labelSelector=${encodeURIComponent(selector)}`,
  );

/** The most pods alive at once, and the fewest ready at once after the first `desired` were, over the events. */
function extremes(events: { type: string; object: WatchedPod }[], desired: number) {
  const live = new Map<string, boolean>();
  let most = 0;
  let fewestReady = Infinity;
  let wasFull = false;
  for (const { type, object } of events) {
    const gone = type === 'DELETED' || object.metadata.deletionTimestamp !== undefined;
    const ready = object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (gone) live.delete(object.metadata.name);
    else live.set(object.metadata.name, ready);
    const readyNow = [...live.values()].filter(Boolean).length;
    if (readyNow >= desired) wasFull = true;
    most = Math.max(most, live.size);
    if (wasFull) fewestReady = Math.min(fewestReady, readyNow);
  }
  return { most, fewestReady };
}

const manifest = (name: string, rollingUpdate: object) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 4,
      strategy: { type: 'RollingUpdate', rollingUpdate },
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
    },
  });

const revision = async (name: string) =>
  (await call(kube, 'GET', `/apis/apps/v1/namespaces/default/deployments/${name}`)).body.metadata.annotations?.[
    'deployment.kubernetes.io/revision'
  ];

describe('rolling update', () => {
  it.each([
    ['surge-one', { maxSurge: 1, maxUnavailable: 0 }, { most: 5, fewestReady: 4 }],
    ['defaults', {}, { most: 5, fewestReady: 3 }],
    ['unavailable-two', { maxSurge: 0, maxUnavailable: '50%' }, { most: 4, fewestReady: 2 }],
  ])('%s keeps within maxSurge and maxUnavailable, and numbers the revisions', async (name, rollingUpdate, bound) => {
    expect((await kubectl.run(['apply', '-f', '-'], manifest(name, rollingUpdate))).code).toBe(0);
    expect((await kubectl.run(['rollout', 'status', `deployment/${name}`, '--timeout=20s'])).code).toBe(0);
    expect(await revision(name)).toBe('1');

    const watching = watchPods(`app=${name}`, 3);
    await new Promise((r) => setTimeout(r, 200));
    expect((await kubectl.run(['set', 'image', `deployment/${name}`, 'app=app:2'])).code).toBe(0);
    const status = await kubectl.run(['rollout', 'status', `deployment/${name}`, '--timeout=20s']);
    expect(status.code, status.stderr).toBe(0);
    const seen = extremes(await watching, 4);
    expect(seen.most).toBeLessThanOrEqual(bound.most);
    expect(seen.fewestReady).toBeGreaterThanOrEqual(bound.fewestReady);
    expect(await revision(name)).toBe('2');
    const pods = (await call(kube, 'GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${name}`)).body.items;
    const running = pods.filter((p: WatchedPod) => !p.metadata.deletionTimestamp);
    expect(running.map((p: { spec: { containers: { image: string }[] } }) => p.spec.containers[0]?.image)).toEqual(
      Array(4).fill('app:2'),
    );
  });

  it('replaces an old pod deleted while a rollout is stuck, and a template that comes back is the newest revision', async () => {
    const name = 'stuck';
    expect((await kubectl.run(['apply', '-f', '-'], manifest(name, { maxSurge: 1, maxUnavailable: 0 }))).code).toBe(0);
    expect((await kubectl.run(['rollout', 'status', `deployment/${name}`, '--timeout=20s'])).code).toBe(0);
    const live = async () =>
      (await call(kube, 'GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${name}`)).body.items.filter(
        (p: WatchedPod) => !p.metadata.deletionTimestamp,
      ) as { metadata: { name: string }; spec: { serviceAccountName?: string } }[];
    // The new template's pods are never admitted (no such service account): the rollout stays stuck.
    const stuck = await kubectl.run([
      'patch',
      'deployment',
      name,
      '-p',
      '{"spec":{"template":{"spec":{"serviceAccountName":"nobody"}}}}',
    ]);
    expect(stuck.code, stuck.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const before = await live();
    expect(before).toHaveLength(4);
    expect((await kubectl.run(['delete', 'pod', before[0]!.metadata.name, '--wait=false'])).code).toBe(0);
    await expect.poll(async () => (await live()).length, { timeout: 5000 }).toBe(4);
    expect((await live()).map((p) => p.metadata.name)).not.toContain(before[0]!.metadata.name);
    expect(await revision(name)).toBe('2');

    // Back to the first template: the old pods are the current ones again, under revision 3.
    const back = await kubectl.run([
      'patch',
      'deployment',
      name,
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/spec/template/spec/serviceAccountName"}]',
    ]);
    expect(back.code, back.stderr).toBe(0);
    expect((await kubectl.run(['rollout', 'status', `deployment/${name}`, '--timeout=20s'])).code).toBe(0);
    expect(await revision(name)).toBe('3');
  });
});
