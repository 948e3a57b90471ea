/** The real kubectl 1.31 against kube-dev: the commands our docs and tests rely on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeDev, type KubeDev } from '../src/index.js';
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

const deploymentManifest = (replicas: number) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    },
  });

describe('kubectl', () => {
  it('lists pods as JSON once a pod is created, with the simulated node and a 127.10/16 IP', async () => {
    expect((await kubectl.run(['run', 'solo', '--image', 'busybox:1', '--restart', 'Never'])).stdout).toContain(
      'pod/solo created',
    );
    await expect
      .poll(async () => JSON.parse((await kubectl.run(['get', 'pods', '-o', 'json'])).stdout).items[0]?.status?.phase)
      .toBe('Running');
    const list = JSON.parse((await kubectl.run(['get', 'pods', '-o', 'json'])).stdout);
    expect(list.items).toHaveLength(1);
    expect(list.items[0].spec.nodeName).toBe('kube-dev-node');
    expect(list.items[0].status.podIP).toMatch(/^127\.10\.\d+\.\d+$/);
    expect(typeof list.items[0].metadata.resourceVersion).toBe('string');
  });

  it('watches with get -w and prints events as they happen', async () => {
    const watcher = kubectl.spawn(['get', 'configmaps', '-w', '-o', 'name']);
    let out = '';
    watcher.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    await expect.poll(() => watcher.stdout !== null && out !== undefined).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    await kubectl.run(['create', 'configmap', 'watched-1', '--from-literal=a=1']);
    await kubectl.run(['create', 'configmap', 'watched-2', '--from-literal=a=2']);
    await expect.poll(() => out, { timeout: 5000 }).toContain('configmap/watched-2');
    watcher.kill();
    expect(out).toContain('configmap/watched-1');
  });

  it('applies server-side twice: the second apply changes nothing', async () => {
    const first = await kubectl.run(['apply', '--server-side', '-f', '-'], deploymentManifest(1));
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('deployment.apps/web serverside-applied');
    const before = JSON.parse((await kubectl.run(['get', 'deployment', 'web', '-o', 'json'])).stdout);
    const second = await kubectl.run(['apply', '--server-side', '-f', '-'], deploymentManifest(1));
    expect(second.code).toBe(0);
    const after = JSON.parse(
      (await kubectl.run(['get', 'deployment', 'web', '-o', 'json', '--show-managed-fields'])).stdout,
    );
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl').operation).toBe(
      'Apply',
    );
  });

  it('refuses a misspelt field (kubectl sends fieldValidation=Strict), naming it, and stores nothing', async () => {
    const misspelt = (name: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, labels: { app: 'web' } },
        data: { a: 'b' },
        dataa: { c: 'd' },
      });
    const applied = await kubectl.run(['apply', '--server-side', '-f', '-'], misspelt('typo-ssa'));
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain('.dataa: field not declared in schema');
    const created = await kubectl.run(['create', '-f', '-'], misspelt('typo-create'));
    expect(created.code).not.toBe(0);
    expect(created.stderr).toContain('strict decoding error: unknown field "dataa"');
    expect((await kubectl.run(['get', 'configmap', 'typo-ssa', 'typo-create'])).stderr).toMatch(/NotFound/);

    // Deep in a pod template, through a strategic merge patch (kubectl patch asks for warnings): dropped, with a warning.
    await kubectl.run(['apply', '--server-side', '-f', '-'], deploymentManifest(1));
    const patch = { spec: { template: { spec: { containers: [{ name: 'app', imagePulPolicy: 'Always' }] } } } };
    const patched = await kubectl.run(['patch', 'deployment', 'web', '-p', JSON.stringify(patch)]);
    expect(patched.code).toBe(0);
    expect(patched.stderr).toBe('Warning: unknown field "spec.template.spec.containers[0].imagePulPolicy"\n');
    expect(patched.stdout).toContain('deployment.apps/web patched (no change)');
  });

  it('reports a conflict when another manager applies a field kubectl owns, until forced', async () => {
    await kubectl.run(['apply', '--server-side', '-f', '-'], deploymentManifest(1));
    const conflict = await kubectl.run(
      ['apply', '--server-side', '--field-manager', 'other', '-f', '-'],
      deploymentManifest(3),
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('conflict with "kubectl"');
    expect(conflict.stderr).toContain('.spec.replicas');
    const forced = await kubectl.run(
      ['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', '-'],
      deploymentManifest(3),
    );
    expect(forced.code).toBe(0);
    const after = JSON.parse((await kubectl.run(['get', 'deployment', 'web', '-o', 'json'])).stdout);
    expect(after.spec.replicas).toBe(3);
  });

  it('puts init containers added in front where the manifest puts them, applied server-side or client-side', async () => {
    const withInits = (name: string, inits: string[]) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              initContainers: inits.map((c) => ({ name: c, image: 'busybox:1' })),
              containers: [{ name: 'app', image: 'busybox:1' }],
            },
          },
        },
      });
    const inits = async (name: string) =>
      JSON.parse(
        (await kubectl.run(['get', 'deployment', name, '-o', 'json'])).stdout,
      ).spec.template.spec.initContainers.map((c: { name: string }) => c.name);
    for (const [name, mode] of [
      ['order-ssa', ['--server-side']],
      ['order-csa', []],
    ] as const) {
      await kubectl.run(['apply', ...mode, '-f', '-'], withInits(name, ['own']));
      // What an injection does to an app that runs already: its init containers go first.
      await kubectl.run(['apply', ...mode, '-f', '-'], withInits(name, ['secret-init', 'secret-refresh', 'own']));
      expect(await inits(name)).toEqual(['secret-init', 'secret-refresh', 'own']);
      await kubectl.run(['apply', ...mode, '-f', '-'], withInits(name, ['own', 'secret-init']));
      expect(await inits(name)).toEqual(['own', 'secret-init']);
    }
  });

  it('restarts a deployment: new pods replace the old ones and rollout status finishes', async () => {
    await kubectl.run(['create', 'deployment', 'api', '--image', 'nginx:1', '--replicas', '2']);
    expect((await kubectl.run(['rollout', 'status', 'deployment/api', '--timeout', '15s'])).stdout).toContain(
      'successfully rolled out',
    );
    const podsOf = async () =>
      JSON.parse((await kubectl.run(['get', 'pods', '-l', 'app=api', '-o', 'json'])).stdout)
        .items.map((p: { metadata: { name: string } }) => p.metadata.name)
        .sort();
    const before = await podsOf();
    expect(before).toHaveLength(2);
    expect((await kubectl.run(['rollout', 'restart', 'deployment/api'])).stdout).toContain(
      'deployment.apps/api restarted',
    );
    const status = await kubectl.run(['rollout', 'status', 'deployment/api', '--timeout', '15s']);
    expect(status.stdout).toContain('successfully rolled out');
    await expect.poll(podsOf, { timeout: 5000 }).toHaveLength(2);
    const after = await podsOf();
    expect(after.some((name: string) => before.includes(name))).toBe(false);
  });

  it('deletes a pod and waits until it is gone', async () => {
    await kubectl.run(['run', 'doomed', '--image', 'busybox:1']);
    await expect
      .poll(async () => (await kubectl.run(['get', 'pod', 'doomed', '-o', 'jsonpath={.status.phase}'])).stdout)
      .toBe('Running');
    const deleted = await kubectl.run(['delete', 'pod', 'doomed']);
    expect(deleted.stdout).toContain('pod "doomed" deleted');
    const get = await kubectl.run(['get', 'pod', 'doomed']);
    expect(get.stderr).toContain('Error from server (NotFound): pods "doomed" not found');
  });

  it('creates a service-account token and tells who the admin is', async () => {
    const token = await kubectl.run(['create', 'token', 'default', '--audience', 'vault']);
    expect(token.stdout.trim().split('.')).toHaveLength(3);
    const whoami = await kubectl.run(['auth', 'whoami', '-o', 'json']);
    expect(JSON.parse(whoami.stdout).status.userInfo.username).toBe('kube-dev-admin');
  });
});
