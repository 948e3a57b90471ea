/**
 * End to end against kube-dev + vault-dev + the Secret API + PostgreSQL: SecretIDs reach real secret-init
 * intakes, are bound to the pod IP, the work follows the Lease, secret changes restart annotated deployments,
 * failed refresh sidecars get their pod restarted.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { parseConfig } from '../src/config.js';
import { startController, type RunningController } from '../src/controller.js';
import type { KubeObject } from '../src/kube/client.js';
import { CLUSTER, SECRET_INIT_BIN, controllerEnv, fakeIntake, startStack, type Stack } from './support/stack.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes JSON read field by field
type Json = any;

let stack: Stack;
let roleId: string;
let configDir: string;
let outDir: string;
const logLines: Record<string, unknown>[] = [];
const controllers: RunningController[] = [];

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(identity: string): Promise<RunningController> {
  const log = createLogger('debug', (line) => logLines.push(JSON.parse(line)), { identity });
  return startController(parseConfig(controllerEnv(stack, { POD_NAME: identity })), {
    log,
    defaultMetrics: false,
    watchTimeoutSeconds: 1,
  }).then((c) => {
    controllers.push(c);
    return c;
  });
}

/** A pod template whose init container is the real secret-init, waiting on its pod IP. */
function secretInitTemplate(app: string, extra: Record<string, string> = {}) {
  return {
    metadata: { labels: { app }, annotations: { 'secret-api.dev/role': app, ...extra } },
    spec: {
      initContainers: [
        {
          name: 'secret-init',
          image: 'secret-init',
          command: [
            'sh',
            '-c',
            `mkdir -p "$OUT/$POD_NAME" && SECRET_INIT_OUTPUT_DIR="$OUT/$POD_NAME" SECRET_INIT_LEASE_DIR="$OUT/$POD_NAME.lease" exec "${process.execPath}" "${SECRET_INIT_BIN}"`,
          ],
          env: [
            { name: 'VAULT_ADDR', value: stack.vault.address },
            { name: 'VAULT_ROLE_ID', value: roleId },
            { name: 'SECRET_INIT_APP', value: app },
            { name: 'SECRET_INIT_CLUSTER', value: CLUSTER },
            { name: 'SECRET_INIT_CONFIG_DIR', value: configDir },
            { name: 'SECRET_INIT_TIMEOUT', value: '30' },
            { name: 'OUT', value: outDir },
            { name: 'SECRET_INIT_LISTEN', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ],
        },
      ],
      containers: [{ name: 'app', image: 'app' }],
    },
  };
}

function deployment(name: string, replicas: number, template: object, annotations: Record<string, string> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, annotations },
    spec: { replicas, selector: { matchLabels: (template as Json).metadata.labels }, template },
  };
}

async function pods(selector: string): Promise<Json[]> {
  const list = await stack.k8s.list(`/api/v1/namespaces/apps/pods?labelSelector=${encodeURIComponent(selector)}`);
  return list.items;
}

async function events(reason: string): Promise<Json[]> {
  const list = await stack.k8s.list('/api/v1/namespaces/apps/events');
  return list.items.filter((e: Json) => e.reason === reason);
}

const running = (pod: Json) => pod.status?.phase === 'Running';

beforeAll(async () => {
  stack = await startStack('controller');
  roleId = await stack.ensureApp('myapp');
  await stack.ensureApp('otherapp');
  await stack.setSecret('/v1/apps/myapp', 'DB_PASSWORD', 'hunter2-initial');
  configDir = join(stack.dir, 'config');
  outDir = join(stack.dir, 'out');
  await mkdir(configDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(join(configDir, 'app.conf.tmpl'), 'password={{ lookup "DB_PASSWORD" }}\npod={{ .podName }}\n');
  await start('controller-a');
}, 60_000);

afterAll(async () => {
  for (const c of controllers) await c.stop({ release: false }).catch(() => undefined);
  await stack?.close();
});

describe('secret-controller', () => {
  it('delivers a SecretID to every pod of a deployment, whose real secret-init renders its templates', async () => {
    const first = controllers[0] as RunningController;
    await until('a leader', async () => first.isLeader());
    await stack.k8s.create(
      '/apis/apps/v1/namespaces/apps/deployments',
      deployment('web', 3, secretInitTemplate('myapp'), { 'secret-api.dev/restart-on-change': 'true' }),
    );

    const ready = await until(
      '3 running pods',
      async () => {
        const list = await pods('app=myapp');
        return list.length === 3 && list.every(running) && list;
      },
      30_000,
    );
    for (const pod of ready) {
      const rendered = await readFile(join(outDir, pod.metadata.name, 'app.conf'), 'utf8');
      expect(rendered).toBe(`password=hunter2-initial\npod=${pod.metadata.name}\n`);
      expect(pod.metadata.annotations['secret-api.dev/secret-id-delivered']).toBe('0');
    }
    const delivered = await until('3 SecretIdDelivered events', async () => {
      const e = await events('SecretIdDelivered');
      return e.length >= 3 && e;
    });
    expect(new Set(delivered.map((e: Json) => e.involvedObject.name))).toEqual(
      new Set(ready.map((p: Json) => p.metadata.name)),
    );
    expect(delivered[0].type).toBe('Normal');
    // Never a token in a log line.
    const text = JSON.stringify(logLines);
    expect(text).not.toMatch(/hvs\.|"wrappingToken"/);
    const metrics = await (await fetch(`${first.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/secret_controller_deliveries_total\{result="delivered"\} 3/);
    expect((await fetch(`${first.healthUrl}/readyz`)).status).toBe(200);
  });

  it('binds each SecretID to its pod IP: replayed from another address it cannot log in', async () => {
    let captured: Json;
    stack.inProcess.set(
      'capture-intake',
      fakeIntake((delivery) => {
        captured = delivery;
        return 204;
      }),
    );
    await stack.k8s.create('/api/v1/namespaces/apps/pods', {
      metadata: { name: 'capture', annotations: { 'secret-api.dev/role': 'myapp' } },
      spec: {
        initContainers: [{ name: 'secret-init', image: 'x', command: ['capture-intake'] }],
        containers: [{ name: 'app', image: 'app' }],
      },
    });
    await until('the delivery', async () => captured);
    const pod: Json = await stack.k8s.get('/api/v1/namespaces/apps/pods/capture');
    expect(captured.creationPath).toBe(`auth/approle/role/${CLUSTER}.myapp/secret-id`);

    const unwrapped = await stack.vaultCall('POST', 'sys/wrapping/unwrap', undefined, captured.wrappingToken);
    expect(unwrapped.status).toBe(200);
    const secretId = unwrapped.body.data.secret_id;
    const lookup = await stack.vaultCall('POST', `auth/approle/role/${CLUSTER}.myapp/secret-id/lookup`, {
      secret_id: secretId,
    });
    expect(lookup.body.data.cidr_list).toEqual([`${pod.status.podIP}/32`]);
    expect(lookup.body.data.metadata).toMatchObject({ pod: 'capture', namespace: 'apps', pod_uid: pod.metadata.uid });

    // From any other address Vault refuses it (and, as Vault does, spends the use: the pod then fails loudly).
    // That the pod itself can log in with such a SecretID, the real secret-init pods above already show.
    const replayed = await stack.vaultCall(
      'POST',
      'auth/approle/login',
      { role_id: roleId, secret_id: secretId },
      null,
      '127.0.0.1',
    );
    expect(replayed.status).toBe(400);
    expect(replayed.body.errors[0]).toMatch(/source address "127\.0\.0\.1" unauthorized by CIDR restrictions/);
  });

  it("delivers only to namespaces that may run the app: its own name's, or those whose annotation lists it", async () => {
    const delivered: string[] = [];
    stack.inProcess.set(
      'record-intake',
      fakeIntake((_delivery, run) => {
        delivered.push(`${run.pod.metadata.namespace}/${run.pod.metadata.name}`);
        return 204;
      }),
    );
    const podIn = (namespace: string) =>
      stack.k8s.create(`/api/v1/namespaces/${namespace}/pods`, {
        metadata: { name: 'claims-myapp', annotations: { 'secret-api.dev/role': 'myapp' } },
        spec: {
          initContainers: [{ name: 'secret-init', image: 'x', command: ['record-intake'] }],
          containers: [{ name: 'app', image: 'app' }],
        },
      });
    await stack.k8s.create('/api/v1/namespaces', { metadata: { name: 'elsewhere' } });
    await stack.k8s.create('/api/v1/namespaces', {
      metadata: { name: 'granted', annotations: { 'secret-api.dev/apps': 'otherapp, myapp' } },
    });
    await stack.k8s.create('/api/v1/namespaces', { metadata: { name: 'myapp' } });
    for (const namespace of ['elsewhere', 'granted', 'myapp']) await podIn(namespace);

    await until('the granted deliveries', async () => delivered.length === 2);
    const refusals = await until('the refusal', async () => {
      const list = await stack.k8s.list('/api/v1/namespaces/elsewhere/events');
      const found = list.items.filter((e: Json) => e.reason === 'SecretIdFailed');
      return found.length > 0 ? found : undefined;
    });
    expect(refusals[0]?.message).toContain('namespace elsewhere may not run app myapp');
    expect(delivered.sort()).toEqual(['granted/claims-myapp', 'myapp/claims-myapp']);
  });

  it('raises the alarm when the intake says its token was already used, then delivers a fresh SecretID', async () => {
    // The pod cannot tell an intercepted token from one made up by anyone on the network and keeps waiting
    // (secret-init's tests); the controller knows the token was its own.
    const received: string[] = [];
    stack.inProcess.set(
      'alarm-intake',
      fakeIntake((delivery) => {
        received.push(delivery.wrappingToken);
        return received.length === 1 ? 409 : 204;
      }),
    );
    await stack.k8s.create('/api/v1/namespaces/apps/pods', {
      metadata: { name: 'intercepted', annotations: { 'secret-api.dev/role': 'myapp' } },
      spec: {
        initContainers: [{ name: 'secret-init', image: 'x', command: ['alarm-intake'] }],
        containers: [{ name: 'app', image: 'app' }],
      },
    });
    const [event] = await until('an interception event', async () => {
      const e = await events('SecretIdIntercepted');
      return e.length > 0 && e;
    });
    expect(event.type).toBe('Warning');
    expect(event.involvedObject.name).toBe('intercepted');
    await until('the fresh delivery', async () =>
      (await events('SecretIdDelivered')).some((e) => e.involvedObject.name === 'intercepted'),
    );
    expect(received).toHaveLength(2);
    expect(received[1]).not.toBe(received[0]);
    const metrics = await (await fetch(`${controllers[0]!.healthUrl}/metrics`)).text();
    expect(metrics).toMatch(/secret_controller_secret_id_intercepted_total 1/);
  });

  it('restarts a pod whose refresh sidecar gave up (exit 2), with a Warning event', async () => {
    const failWhen = join(stack.dir, 'sidecar-fails');
    await stack.k8s.create('/api/v1/namespaces/apps/pods', {
      metadata: { name: 'sidecar', annotations: { 'secret-api.dev/role': 'otherapp' } },
      spec: {
        initContainers: [
          {
            name: 'secret-refresh',
            image: 'x',
            restartPolicy: 'Always',
            // Keeps the credentials alive until the test says it can no longer (secret-refresh's exit 2).
            command: [
              process.execPath,
              '-e',
              "setInterval(() => require('node:fs').existsSync(process.env.FAIL_WHEN) && process.exit(2), 50)",
            ],
            env: [{ name: 'FAIL_WHEN', value: failWhen }],
          },
        ],
        containers: [{ name: 'app', image: 'app' }],
      },
    });
    const pod: Json = await until('the sidecar pod running', async () => {
      const p: Json = await stack.k8s.get('/api/v1/namespaces/apps/pods/sidecar');
      return running(p) && p;
    });
    // A sidecar that runs is left alone.
    await new Promise((r) => setTimeout(r, 300));
    expect((await stack.k8s.get('/api/v1/namespaces/apps/pods/sidecar')).metadata.uid).toBe(pod.metadata.uid);
    await writeFile(failWhen, '');
    await until('the pod deleted', async () =>
      stack.k8s.get('/api/v1/namespaces/apps/pods/sidecar').then(
        () => false,
        (err: { status?: number }) => err.status === 404,
      ),
    );
    const [event] = await events('SecretRefreshFailed');
    expect(event.type).toBe('Warning');
    expect(event.message).toBe(
      "Restarting the pod: container secret-refresh can no longer keep the pod's credentials alive (exit code 2)",
    );
  });

  it('rollout-restarts the annotated deployment of an app whose secret changed, and not the others', async () => {
    await stack.k8s.create(
      '/apis/apps/v1/namespaces/apps/deployments',
      deployment('plain', 1, {
        metadata: { labels: { app: 'plain' }, annotations: { 'secret-api.dev/role': 'myapp' } },
        spec: { containers: [{ name: 'app', image: 'app' }] },
      }),
    );
    await stack.k8s.create(
      '/apis/apps/v1/namespaces/apps/deployments',
      deployment(
        'other',
        1,
        {
          metadata: { labels: { app: 'other' }, annotations: { 'secret-api.dev/role': 'otherapp' } },
          spec: { containers: [{ name: 'app', image: 'app' }] },
        },
        { 'secret-api.dev/restart-on-change': 'true' },
      ),
    );
    const restartedAt = async (name: string) =>
      ((await stack.k8s.get(`/apis/apps/v1/namespaces/apps/deployments/${name}`)) as Json).spec.template.metadata
        .annotations?.['kubectl.kubernetes.io/restartedAt'];
    // The poller has a cursor by now (it starts at the head: older history never restarts anything).
    await new Promise((r) => setTimeout(r, 1000));
    expect(await restartedAt('web')).toBeUndefined();

    await stack.setSecret('/v1/apps/myapp', 'DB_PASSWORD', 'hunter2-rotated');
    await until('web restarted', async () => restartedAt('web'));
    expect(await restartedAt('plain')).toBeUndefined();
    expect(await restartedAt('other')).toBeUndefined();
    // The new pods get fresh SecretIDs and render the new value.
    const fresh = await until(
      '3 new running pods',
      async () => {
        const list = (await pods('app=myapp')).filter(
          (p) => p.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] !== undefined || p.spec,
        );
        const current = list.filter((p) => p.metadata.labels['pod-template-hash'] !== undefined);
        const rendered = await Promise.all(
          current.map((p) => readFile(join(outDir, p.metadata.name, 'app.conf'), 'utf8').catch(() => '')),
        );
        return rendered.filter((t) => t.includes('hunter2-rotated')).length === 3 && current;
      },
      40_000,
    );
    expect(fresh.length).toBeGreaterThanOrEqual(3);

    // A shared scope is read by every app: both annotated deployments restart.
    const before = await restartedAt('other');
    expect(before).toBeUndefined();
    await stack.setSecret(`/v1/scopes/cluster/${CLUSTER}`, 'REGION', 'eu-west-1');
    await until('other restarted', async () => restartedAt('other'));
    expect(await restartedAt('plain')).toBeUndefined();
  }, 90_000);

  it('moves the work to the second replica when the leader dies, and survives watch expiry', async () => {
    const second = await start('controller-b');
    await new Promise((r) => setTimeout(r, 500));
    expect(second.isLeader()).toBe(false);
    expect((await fetch(`${second.healthUrl}/readyz`)).status).toBe(200);
    const first = controllers[0] as RunningController;
    const killedAt = Date.now();
    await first.stop({ release: false }); // a crash: the Lease is not handed over, it expires
    await until('the second replica leading', async () => second.isLeader(), 10_000);
    expect(Date.now() - killedAt).toBeLessThan(2000 + 2000);

    // History compacted past what the new leader has seen: its watch resumes into 410 Expired and relists. (Retried:
    // a pod write landing between the bump and the compaction would leave the watch exactly at the head.)
    const relisted = () =>
      logLines.some((l) => l['identity'] === 'controller-b' && l['msg'] === 'watch expired; relisting');
    let bumps = 0;
    await until('a relist after compaction', async () => {
      if (relisted()) return true;
      await stack.k8s.create('/api/v1/namespaces/apps/configmaps', { metadata: { name: `bump-${bumps++}` }, data: {} });
      stack.kube.store.compact();
      await new Promise((r) => setTimeout(r, 1500));
      return relisted();
    });
    await stack.k8s.create(
      '/apis/apps/v1/namespaces/apps/deployments',
      deployment('late', 1, secretInitTemplate('myapp')),
    );
    const [pod] = await until(
      'the late pod running',
      async () => {
        const list = (await stack.k8s.list('/api/v1/namespaces/apps/pods')).items.filter((p: KubeObject) =>
          p.metadata.name?.startsWith('late-'),
        );
        return list.length === 1 && list.every(running) && list;
      },
      30_000,
    );
    const delivered = await events('SecretIdDelivered');
    const forLate = delivered.filter((e: Json) => e.involvedObject.name === (pod as Json).metadata.name);
    expect(forLate).toHaveLength(1);
    expect(forLate[0].reportingInstance).toBe('controller-b');
  }, 60_000);
});
