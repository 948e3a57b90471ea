// deployer deploy against kube-dev (a Kubernetes API with server-side apply and a simulated kubelet) and the real
// Secret API: the first deploy creates the objects and waits for the rollout, a second one changes nothing, and
// --dry-run prints the manifests and applies nothing.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { startKubeDev } from 'kube-dev';
import type { KubeDev } from 'kube-dev';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from './support/api.js';
import type { RunningApi } from './support/api.js';
import { baseEnv, runCli, tempHome } from './support/cli.js';

let api: RunningApi;
let kube: KubeDev;
let dir: string;
let env: Record<string, string | undefined>;
let apps: AppsV1Api;
let core: CoreV1Api;
let objects: KubernetesObjectApi;

const DEPLOYER_YML = `app: shop
vaultAddr: http://vault.vault.svc:8200
clusters:
  - name: aws.stg
    context: kube-dev
    namespace: shop
  - name: aws.prd
    context: kube-dev
    namespace: shop-prd
dynamic:
  database: true
restartOnChange: true
secrets:
  SECRET_API_KEY: secret/data/shop/api#key
`;

const DEPLOYMENT = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deployer-deploy-'));
  [api, kube] = await Promise.all([startApi('deploy'), startKubeDev({ namespaces: ['shop', 'shop-prd'] })]);
  const kubeconfig = kube.writeKubeconfig(join(dir, 'kubeconfig'));
  const home = await tempHome();
  env = { ...baseEnv(home), SECRET_API_URL: api.url, SECRET_API_TOKEN: api.adminToken, KUBECONFIG: kubeconfig };
  for (const args of [
    ['clusters', 'create', 'aws.stg', '--controller', 'ctrl@aws.stg'],
    ['clusters', 'create', 'aws.prd', '--controller', 'ctrl@aws.prd'],
    ['apps', 'create', 'shop', '--owner-group', 'team-shop'],
  ]) {
    const r = await runCli(args, { env });
    expect(r.code, r.stderr).toBe(0);
  }
  await mkdir(join(dir, 'app', 'config'), { recursive: true });
  await mkdir(join(dir, 'app', 'k8s'), { recursive: true });
  await writeFile(join(dir, 'app', 'deployer.yml'), DEPLOYER_YML);
  await writeFile(join(dir, 'app', 'config', 'db.conf.tmpl'), 'user={{ dbUsername }}\npassword={{ dbPassword }}\n');
  await writeFile(join(dir, 'app', 'k8s', 'web.yaml'), DEPLOYMENT);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  objects = KubernetesObjectApi.makeApiClient(kc);
}, 90_000);

afterAll(async () => {
  await Promise.all([api?.stop(), kube?.close()]);
  await rm(dir, { recursive: true, force: true });
});

function deploy(...args: string[]): ReturnType<typeof runCli> {
  return runCli(['deploy', '--deployer-yml', join(dir, 'app', 'deployer.yml'), '--timeout', '20s', ...args], { env });
}

/** The templates' ConfigMap the Deployment's pods mount (its name ends in the digest of the templates). */
async function mountedConfigMap(namespace: string): Promise<string> {
  const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace });
  const name = deployment.spec?.template.spec?.volumes?.find((v) => v.name === 'secret-api-config')?.configMap?.name;
  expect(name).toMatch(/^shop-secret-init-config-[0-9a-f]{10}$/);
  return name as string;
}

/** The names of the app's templates' ConfigMaps in the namespace. */
async function templateConfigMaps(namespace: string): Promise<string[]> {
  const list = await core.listNamespacedConfigMap({
    namespace,
    labelSelector: 'app.kubernetes.io/managed-by=deployer,secret-api.dev/role=shop',
  });
  return list.items.map((c) => c.metadata?.name ?? '').sort();
}

async function versions(namespace: string): Promise<Record<string, string | undefined>> {
  const [deployment, configMap] = await Promise.all([
    apps.readNamespacedDeployment({ name: 'web', namespace }),
    core.readNamespacedConfigMap({ name: await mountedConfigMap(namespace), namespace }),
  ]);
  return { deployment: deployment.metadata?.resourceVersion, configMap: configMap.metadata?.resourceVersion };
}

describe('deployer deploy', () => {
  it('creates the ConfigMap and the injected Deployment server-side and waits until it is rolled out', async () => {
    const r = await deploy('--cluster', 'aws.stg');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ConfigMap\/shop\/shop-secret-init-config-[0-9a-f]{10} created/);
    expect(r.stderr).toContain('Deployment/shop/web created');
    expect(r.stderr).toContain('Deployment/shop/web rolled out');

    const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    const template = deployment.spec?.template;
    expect(template?.spec?.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['secret-init', undefined],
      ['secret-refresh', 'Always'],
    ]);
    const roleId = template?.spec?.initContainers?.[0]?.env?.find((e) => e.name === 'VAULT_ROLE_ID')?.value;
    expect(roleId).toMatch(/^[0-9a-f-]{36}$/);
    expect(template?.metadata?.annotations?.['secret-api.dev/role']).toBe('shop');
    expect(deployment.metadata?.annotations?.['secret-api.dev/restart-on-change']).toBe('true');
    expect(deployment.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['deployer', 'Apply']]);
    expect(deployment.status?.availableReplicas).toBe(2);
    // The RoleID is in the pod spec, where it belongs, and nowhere in what the deploy printed.
    expect(r.stdout + r.stderr).not.toContain(roleId);

    const configMap = await core.readNamespacedConfigMap({ name: await mountedConfigMap('shop'), namespace: 'shop' });
    expect(configMap.data).toEqual({ 'db.conf.tmpl': 'user={{ dbUsername }}\npassword={{ dbPassword }}\n' });
    expect(configMap.immutable).toBe(true);
    // What the templates read, for the secret-controller's restart on change (here: SECRET_API_KEY's path only).
    expect(deployment.metadata?.annotations?.['secret-api.dev/reads']).toBe('api');
  });

  it('changes nothing when deployed again without a change', async () => {
    const before = await versions('shop');
    const r = await deploy('--cluster', 'aws.stg', '--json');
    expect(r.code, r.stdout).toBe(0);
    const result = r.json() as { applied: { object: string; action: string }[]; rolledOut: string[] };
    expect(result.applied.map((a) => a.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(result.rolledOut).toEqual(['Deployment/shop/web']);
    expect(await versions('shop')).toEqual(before);
  });

  it('rolls the pods onto a new ConfigMap when a template changes, and removes the old one once nothing uses it', async () => {
    const before = await mountedConfigMap('shop');
    // A pod of the old templates that outlives the rollout (as an old ReplicaSet kept for a rollback would).
    await core.createNamespacedPod({
      namespace: 'shop',
      body: {
        metadata: { name: 'old-templates' },
        spec: {
          containers: [{ name: 'c', image: 'c' }],
          volumes: [{ name: 'secret-api-config', configMap: { name: before } }],
        },
      },
    });
    await writeFile(join(dir, 'app', 'config', 'db.conf.tmpl'), 'user={{ dbUsername }}\n');
    try {
      const r = await deploy('--cluster', 'aws.stg');
      expect(r.code, r.stderr).toBe(0);
      const after = await mountedConfigMap('shop');
      expect(after).not.toBe(before);
      expect(r.stderr).toContain(`ConfigMap/shop/${after} created`);
      expect(r.stderr).toContain('Deployment/shop/web configured');
      // The old templates are still there for the pod that mounts them; the old ConfigMap never changed.
      expect(await templateConfigMaps('shop')).toEqual([before, after].sort());
      expect((await core.readNamespacedConfigMap({ name: before, namespace: 'shop' })).data).toEqual({
        'db.conf.tmpl': 'user={{ dbUsername }}\npassword={{ dbPassword }}\n',
      });

      await core.deleteNamespacedPod({ name: 'old-templates', namespace: 'shop', gracePeriodSeconds: 0 });
      await expect
        .poll(
          async () =>
            (await core.listNamespacedPod({ namespace: 'shop', fieldSelector: 'metadata.name=old-templates' })).items
              .length,
        )
        .toBe(0);
      // Unused now, but made moments before the current one: another deploy of the app may be about to name it.
      const young = await deploy('--cluster', 'aws.stg');
      expect(young.code, young.stderr).toBe(0);
      expect(young.stderr).not.toContain('deleted (no workload uses it any more)');
      expect(await templateConfigMaps('shop')).toEqual([before, after].sort());

      // Made well before (the stand-in's record of it aged by 11 minutes): the next deploy deletes it.
      const stored = kube.store.peek('/configmaps', 'shop', before) as { metadata: { creationTimestamp?: string } };
      const aged = Date.parse(String(stored.metadata.creationTimestamp)) - 11 * 60_000;
      stored.metadata.creationTimestamp = new Date(aged).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const again = await deploy('--cluster', 'aws.stg');
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`ConfigMap/shop/${before} deleted (no workload uses it any more)`);
      expect(await templateConfigMaps('shop')).toEqual([after]);
    } finally {
      await writeFile(join(dir, 'app', 'config', 'db.conf.tmpl'), 'user={{ dbUsername }}\npassword={{ dbPassword }}\n');
    }
  });

  it('prints the manifests with --dry-run -o yaml and applies nothing', async () => {
    const r = await deploy('--cluster', 'aws.prd', '--dry-run', '-o', 'yaml');
    expect(r.code, r.stderr).toBe(0);
    const objects = parseAllDocuments(r.stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { namespace?: string } },
    );
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'ServiceAccount', 'Deployment']);
    // Every object where deploy would apply it, also the ones that name no namespace (the ServiceAccount).
    expect(objects.map((o) => o.metadata.namespace)).toEqual(['shop-prd', 'shop-prd', 'shop-prd']);
    const [deployments, configMaps] = await Promise.all([
      apps.listNamespacedDeployment({ namespace: 'shop-prd' }),
      core.listNamespacedConfigMap({ namespace: 'shop-prd' }),
    ]);
    expect(deployments.items).toEqual([]);
    expect(configMaps.items).toEqual([]);
  });

  it('grants the app a namespace it creates, and warns about an existing one that does not grant it', async () => {
    const withNamespace = async (file: string, namespace: string) => {
      await writeFile(join(dir, 'app', file), DEPLOYER_YML.replace('namespace: shop-prd', `namespace: ${namespace}`));
      return runCli(
        ['deploy', '--deployer-yml', join(dir, 'app', file), '--cluster', 'aws.prd', '--create-namespace', '--no-wait'],
        { env },
      );
    };
    // An existing namespace without the annotation: secret-controller would give its pods no SecretID.
    await core.createNamespace({ body: { metadata: { name: 'shop-other' } } });
    const existing = await withNamespace('other-namespace.yml', 'shop-other');
    expect(existing.code, existing.stderr).toBe(0);
    expect(existing.stderr).toContain(
      'warning: namespace shop-other does not list shop in its secret-api.dev/apps annotation',
    );
    // Created by the deploy: granted, nothing to warn about.
    const created = await withNamespace('new-namespace.yml', 'shop-new');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).not.toContain('warning: namespace');
    const namespace = await core.readNamespace({ name: 'shop-new' });
    expect(namespace.metadata?.annotations?.['secret-api.dev/apps']).toBe('shop');
  });

  it('exits 1 naming the context when the kubeconfig does not have it, having applied nothing', async () => {
    await writeFile(
      join(dir, 'app', 'other.yml'),
      DEPLOYER_YML.replace('context: kube-dev\n    namespace: shop-prd', 'context: gone\n    namespace: shop-prd'),
    );
    const r = await runCli(['deploy', '--deployer-yml', join(dir, 'app', 'other.yml'), '--cluster', 'aws.prd'], {
      env,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the kubeconfig has no context gone (it has kube-dev)');
  });

  it('exits 1 naming file and line of a kind the cluster does not serve, having applied nothing', async () => {
    await mkdir(join(dir, 'app', 'bad'), { recursive: true });
    await writeFile(join(dir, 'app', 'bad', 'web.yaml'), DEPLOYMENT);
    await writeFile(
      join(dir, 'app', 'bad', 'zz.yaml'),
      '# a typo in the kind, and a resource of a CRD the cluster does not have\napiVersion: v1\nkind: ConfigMapp\nmetadata: { name: extra }\n---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: { name: web }\n',
    );
    await writeFile(join(dir, 'app', 'bad.yml'), `${DEPLOYER_YML}manifests: [bad/]\n`);
    const r = await runCli(['deploy', '--deployer-yml', join(dir, 'app', 'bad.yml'), '--cluster', 'aws.prd'], { env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('cannot deploy: 2 problems in the manifests');
    expect(r.stderr).toContain(
      `${join(dir, 'app', 'bad', 'zz.yaml')}:2: ConfigMapp/extra: the cluster serves no kind ConfigMapp in v1`,
    );
    expect(r.stderr).toContain(
      `${join(dir, 'app', 'bad', 'zz.yaml')}:6: ServiceMonitor/web: the cluster serves no kind ServiceMonitor in monitoring.coreos.com/v1`,
    );
    expect(r.stderr).toContain('nothing was applied');
    expect((await apps.listNamespacedDeployment({ namespace: 'shop-prd' })).items).toEqual([]);
    expect((await core.listNamespacedConfigMap({ namespace: 'shop-prd' })).items).toEqual([]);
  });

  it('exits 1 when the manifests give one object twice (a file listed alone and in its directory)', async () => {
    await writeFile(join(dir, 'app', 'twice.yml'), `${DEPLOYER_YML}manifests: [k8s/, k8s/web.yaml]\n`);
    const r = await runCli(
      ['deploy', '--deployer-yml', join(dir, 'app', 'twice.yml'), '--cluster', 'aws.prd', '--dry-run'],
      { env },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `${join(dir, 'app', 'k8s', 'web.yaml')}:6: Deployment/web is given twice: deployer.yml's manifests name its file twice`,
    );
    expect(r.stdout).toBe('');
  });

  it('applies a Namespace before the objects in it, wherever the manifests put it', async () => {
    await mkdir(join(dir, 'app', 'ordered'), { recursive: true });
    await writeFile(join(dir, 'app', 'ordered', 'a-web.yaml'), DEPLOYMENT);
    await writeFile(
      join(dir, 'app', 'ordered', 'b-extra.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: elsewhere, namespace: shop-extra }\ndata: { a: b }\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: shop-extra }\n',
    );
    await writeFile(
      join(dir, 'app', 'ordered.yml'),
      `${DEPLOYER_YML.replace('namespace: shop-prd', 'namespace: shop-ordered')}manifests: [ordered/]\n`,
    );
    const r = await runCli(
      [
        'deploy',
        '--deployer-yml',
        join(dir, 'app', 'ordered.yml'),
        '--cluster',
        'aws.prd',
        '--create-namespace',
        '--no-wait',
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.indexOf('Namespace/shop-extra created')).toBeLessThan(
      r.stderr.indexOf('ConfigMap/shop-extra/elsewhere created'),
    );
    expect((await core.readNamespacedConfigMap({ name: 'elsewhere', namespace: 'shop-extra' })).data).toEqual({
      a: 'b',
    });
  });

  it('exits 1 before anything is ensured or applied: a namespace that does not exist, or a workload inject refuses', async () => {
    await writeFile(
      join(dir, 'app', 'nonamespace.yml'),
      DEPLOYER_YML.replace('app: shop', 'app: shopnew').replace('namespace: shop-prd', 'namespace: shop-missing'),
    );
    expect((await runCli(['apps', 'create', 'shopnew', '--owner-group', 'team-shop'], { env })).code).toBe(0);
    const missing = await runCli(
      ['deploy', '--deployer-yml', join(dir, 'app', 'nonamespace.yml'), '--cluster', 'aws.prd'],
      {
        env,
      },
    );
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toContain(
      'namespace shop-missing (deployer.yml, cluster aws.prd) does not exist in context kube-dev: deploy with --create-namespace',
    );
    await mkdir(join(dir, 'app', 'hostnet'), { recursive: true });
    await writeFile(
      join(dir, 'app', 'hostnet', 'web.yaml'),
      DEPLOYMENT.replace('    spec:\n      containers:', '    spec:\n      hostNetwork: true\n      containers:'),
    );
    await writeFile(
      join(dir, 'app', 'hostnet.yml'),
      `${DEPLOYER_YML.replace('app: shop', 'app: shopnew')}manifests: [hostnet/]\n`,
    );
    const refused = await runCli(
      ['deploy', '--deployer-yml', join(dir, 'app', 'hostnet.yml'), '--cluster', 'aws.prd'],
      {
        env,
      },
    );
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('it uses hostNetwork');
    // The AppRole was never ensured: the Secret API has none to show.
    const approle = await fetch(`${api.url}/v1/apps/shopnew/clusters/aws.prd/approle`, {
      headers: { Authorization: `Bearer ${api.adminToken}` },
    });
    expect(approle.status).toBe(404);
  });

  it('prints the namespace --create-namespace would create, with its grant, in --dry-run', async () => {
    await writeFile(join(dir, 'app', 'granted.yml'), DEPLOYER_YML.replace('namespace: shop-prd', 'namespace: team-x'));
    const r = await runCli(
      [
        'deploy',
        '--deployer-yml',
        join(dir, 'app', 'granted.yml'),
        '--cluster',
        'aws.prd',
        '--dry-run',
        '--create-namespace',
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    const [first] = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(first).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-x', annotations: { 'secret-api.dev/apps': 'shop' } },
    });
  });

  it('exits 5 within --request-timeout when the Kubernetes API stops answering, having applied nothing', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const kubeconfig = join(dir, 'silent-kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: kube-dev',
        `clusters: [{ name: silent, cluster: { server: "http://127.0.0.1:${(silent.address() as AddressInfo).port}", insecure-skip-tls-verify: true } }]`,
        'users: [{ name: u, user: { token: t } }]',
        'contexts: [{ name: kube-dev, context: { cluster: silent, user: u } }]',
      ].join('\n'),
    );
    const started = Date.now();
    const r = await runCli(
      ['deploy', '--deployer-yml', join(dir, 'app', 'deployer.yml'), '--cluster', 'aws.prd', '--request-timeout', '1s'],
      { env: { ...env, KUBECONFIG: kubeconfig } },
    );
    silent.closeAllConnections();
    silent.close();
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('did not answer within 1 s while looking up kind');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('inject refuses one object given twice as deploy does, and prints nothing', async () => {
    const web = join(dir, 'app', 'k8s', 'web.yaml');
    const r = await runCli(
      [
        'inject',
        web,
        web,
        '--deployer-yml',
        join(dir, 'app', 'deployer.yml'),
        '--cluster',
        'aws.prd',
        '--role-id',
        'r',
      ],
      { env },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('cannot inject: 2 problems in the manifests');
    expect(r.stderr).toContain(`${web}:6: Deployment/web is given twice`);
    expect(r.stderr).toContain('nothing was printed');
    expect(r.stdout).toBe('');
  });

  it('exits 3 when the Secret API does not know the app, having applied nothing', async () => {
    await writeFile(join(dir, 'app', 'unknown.yml'), DEPLOYER_YML.replace('app: shop', 'app: nosuchapp'));
    const r = await runCli(['deploy', '--deployer-yml', join(dir, 'app', 'unknown.yml'), '--cluster', 'aws.prd'], {
      env,
    });
    expect(r.code, r.stderr).toBe(3);
    expect((await apps.listNamespacedDeployment({ namespace: 'shop-prd' })).items).toEqual([]);
  });

  it('stops waiting, exit 5, when Kubernetes reports the rollout exceeded its progress deadline', async () => {
    // Pods of a service account that does not exist are never admitted: the rollout makes no progress.
    const stalled = join(dir, 'stalled');
    await mkdir(join(stalled, 'config'), { recursive: true });
    await mkdir(join(stalled, 'k8s'), { recursive: true });
    await writeFile(join(stalled, 'deployer.yml'), DEPLOYER_YML);
    await writeFile(join(stalled, 'config', 'app.conf.tmpl'), 'x\n');
    await writeFile(
      join(stalled, 'k8s', 'web.yaml'),
      DEPLOYMENT.replace('  replicas: 2\n', '  replicas: 1\n  progressDeadlineSeconds: 2\n').replace(
        '    spec:\n      containers:',
        '    spec:\n      serviceAccountName: nobody\n      containers:',
      ),
    );
    const r = await runCli(
      ['deploy', '--deployer-yml', join(stalled, 'deployer.yml'), '--cluster', 'aws.prd', '--timeout', '90s'],
      { env },
    );
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('Deployment/shop-prd/web exceeded its progress deadline (2 s)');
    expect(r.stderr).not.toContain('did not roll out within');
  });

  it('exits 4 naming the object when another field manager owns a field it would change; --force-conflicts takes it', async () => {
    // kubectl scale, as a server-side apply by another manager: replicas is now its field.
    await objects.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { replicas: 3 },
      },
      undefined,
      undefined,
      'kubectl-scale',
      true,
      PatchStrategy.ServerSideApply,
    );
    const r = await deploy('--cluster', 'aws.stg');
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('refused applying Deployment/shop/web');
    expect(r.stderr).toContain('deployer deploy --force-conflicts');

    // --force-conflicts takes the field back, as kubectl apply --server-side --force-conflicts does.
    const forced = await deploy('--cluster', 'aws.stg', '--force-conflicts');
    expect(forced.code, forced.stderr).toBe(0);
    expect((await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' })).spec?.replicas).toBe(2);
  });
});
