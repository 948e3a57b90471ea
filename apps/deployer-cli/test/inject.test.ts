// deployer inject: the pure injection over real manifests (golden files), its idempotence, the errors that name
// the object, and the command itself (files, stdin, report on stderr, the RoleID never in the report).
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { injectionFor, loadProject, readManifests } from '../src/deploy/project.js';
import type { Injection } from '../src/deploy/project.js';
import { InjectionError, inject } from '../src/inject/inject.js';
import { parseManifests, renderManifests } from '../src/inject/manifests.js';
import type { KubeObject } from '../src/inject/manifests.js';
import { baseEnv, runCli, tempHome } from './support/cli.js';

const FIXTURES = fileURLToPath(new URL('fixtures/inject/', import.meta.url));
const APP = join(FIXTURES, 'app');
const ROLE_ID = 'b7c3e6d2-4a1f-4c5e-9d8b-2f6a1e0c9d77';

const GOLDEN_INPUTS = [
  'deployment.yaml',
  'statefulset.yaml',
  'cronjob.yaml',
  'pod.yaml',
  'list.yaml',
  'helm.yaml',
  'pod-security.yaml',
];

let injection: Injection;

beforeAll(async () => {
  injection = await injectionFor(await loadProject(join(APP, 'deployer.yml')), 'aws.stg', ROLE_ID);
});

async function injectFile(name: string): Promise<KubeObject[]> {
  return inject(await readManifests([join(FIXTURES, 'in', name)]), injection.options, injection.configMap).objects;
}

function fromYaml(text: string, source = 'test'): ReturnType<typeof parseManifests> {
  return parseManifests(text, source);
}

interface Container {
  name: string;
  env?: unknown[];
  ports?: unknown[];
  volumeMounts?: unknown[];
  securityContext?: unknown;
  restartPolicy?: string;
}
/** The parts of an injected workload the assertions read. */
interface Workload {
  metadata: { annotations: Record<string, string> };
  spec: {
    template: {
      metadata: { annotations: Record<string, string> };
      spec: { initContainers: Container[]; containers: Container[]; volumes: { name: string }[] };
    };
  };
}

function workload(object: KubeObject | undefined): Workload {
  return object as unknown as Workload;
}

function podSpec(object: KubeObject | undefined): Workload['spec']['template']['spec'] {
  return workload(object).spec.template.spec;
}

describe('inject golden files', () => {
  it.each(GOLDEN_INPUTS)('injects %s as its golden file shows', async (name) => {
    await expect(renderManifests(await injectFile(name))).toMatchFileSnapshot(join(FIXTURES, 'golden', name));
  });

  it('has a golden file for every input, so none is left untested', async () => {
    expect((await readdir(join(FIXTURES, 'golden'))).sort()).toEqual((await readdir(join(FIXTURES, 'in'))).sort());
  });
});

describe('what an injected Deployment runs', () => {
  it('runs secret-init first with the RoleID, app, cluster, Vault and the pod identity in its environment', async () => {
    const [configMap, deployment] = await injectFile('deployment.yaml');
    expect(configMap).toMatchObject({ kind: 'ConfigMap', metadata: { namespace: 'web' }, immutable: true });
    // Named after its content: new templates are a new ConfigMap, and the pods of the old ones keep theirs.
    const name = (configMap as { metadata: { name: string } }).metadata.name;
    expect(name).toMatch(/^myapp-secret-init-config-[0-9a-f]{10}$/);
    expect(podSpec(deployment).volumes).toContainEqual({ name: 'secret-api-config', configMap: { name } });
    expect(Object.keys((configMap as { data: object }).data)).toEqual(['app.conf.tmpl']);
    const [init, refresh] = podSpec(deployment).initContainers;
    expect(init?.name).toBe('secret-init');
    expect(init?.env).toEqual(
      expect.arrayContaining([
        { name: 'VAULT_ROLE_ID', value: ROLE_ID },
        { name: 'VAULT_ADDR', value: 'https://vault.example.com:8200' },
        { name: 'SECRET_INIT_APP', value: 'myapp' },
        { name: 'SECRET_INIT_CLUSTER', value: 'aws.stg' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'SECRET_API_KEY', value: 'secret/data/myapp/api#key' },
      ]),
    );
    expect(init?.ports).toEqual([{ name: 'secret-intake', containerPort: 8099, protocol: 'TCP' }]);
    expect(init?.volumeMounts).toContainEqual({ name: 'secret-api-config', mountPath: '/config', readOnly: true });
    // The refresh sidecar is a native sidecar: an init container that keeps running.
    expect(refresh).toMatchObject({ name: 'secret-refresh', restartPolicy: 'Always' });
    for (const container of [init, refresh]) {
      expect(container?.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
  });

  it('gives the app its secrets read-only from in-memory volumes, never the lease directory, and annotates the pod with its role', async () => {
    const [, deployment] = await injectFile('deployment.yaml');
    const spec = podSpec(deployment);
    for (const name of ['secret-api-secrets', 'secret-api-env', 'secret-api-leases']) {
      expect(spec.volumes).toContainEqual({ name, emptyDir: { medium: 'Memory' } });
    }
    expect(spec.containers[0]?.volumeMounts).toEqual([
      { name: 'cache', mountPath: '/var/cache/nginx' },
      { name: 'secret-api-secrets', mountPath: '/etc/secrets', readOnly: true },
      { name: 'secret-api-env', mountPath: '/env', readOnly: true },
    ]);
    expect(workload(deployment).spec.template.metadata.annotations['secret-api.dev/role']).toBe('myapp');
    expect(workload(deployment).metadata.annotations['secret-api.dev/restart-on-change']).toBe('true');
  });

  it("gives secret-init and secret-refresh a private Vault CA from deployer.yml's vaultCACert, and only them", async () => {
    const options = { ...injection.options, vaultCACert: { configMap: 'vault-ca', key: 'bundle.pem' } };
    const text = await readFile(join(FIXTURES, 'in', 'deployment.yaml'), 'utf8');
    const once = inject(fromYaml(text), options, injection.configMap).objects;
    const spec = podSpec(once[1]);
    expect(spec.volumes).toContainEqual({
      name: 'secret-api-vault-ca',
      configMap: { name: 'vault-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }] },
    });
    for (const container of spec.initContainers.slice(0, 2)) {
      expect(container.env).toContainEqual({ name: 'VAULT_CACERT', value: '/var/run/secrets/vault-ca/ca.crt' });
      expect(container.volumeMounts).toContainEqual({
        name: 'secret-api-vault-ca',
        mountPath: '/var/run/secrets/vault-ca',
        readOnly: true,
      });
    }
    expect(JSON.stringify(spec.containers)).not.toContain('vault-ca');
    // Taken out again by an injection without it.
    const without = inject(fromYaml(renderManifests(once)), injection.options, injection.configMap).objects;
    expect(JSON.stringify(without)).not.toContain('vault-ca');
  });

  it('reads vaultCACert from deployer.yml, a cluster entry winning over the top level', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deployer-ca-'));
    const yml = (await readFile(join(APP, 'deployer.yml'), 'utf8'))
      .replace('    namespace: web\n', '    namespace: web\n    vaultCACert: { configMap: stg-ca }\n')
      .concat('vaultCACert: { configMap: shared-ca, key: ca.pem }\n');
    await writeFile(join(dir, 'deployer.yml'), yml);
    const { options } = await injectionFor(await loadProject(join(dir, 'deployer.yml')), 'aws.stg', ROLE_ID);
    expect(options.vaultCACert).toEqual({ configMap: 'stg-ca', key: 'ca.crt' });
  });

  it('adds the refresh sidecar to an app that holds no leases too (it revokes the token when the pod stops), and no env volume without SECRET_ variables', async () => {
    const plain = { ...injection.options, secrets: {} };
    const [, deployment] = inject(
      await readManifests([join(FIXTURES, 'in', 'deployment.yaml')]),
      plain,
      injection.configMap,
    ).objects;
    const spec = podSpec(deployment);
    expect(spec.initContainers.map((c) => c.name)).toEqual(['secret-init', 'secret-refresh']);
    expect(spec.volumes.map((v) => v.name)).toEqual([
      'cache',
      'secret-api-config',
      'secret-api-secrets',
      'secret-api-leases',
    ]);
  });
});

describe("the app's own init containers", () => {
  it('run after secret-init and read what it rendered, as the app containers do; never the lease directory', async () => {
    const [, statefulSet] = await injectFile('statefulset.yaml');
    const spec = podSpec(statefulSet);
    expect(spec.initContainers.map((c) => c.name)).toEqual(['secret-init', 'secret-refresh', 'migrate']);
    const mounts = (c: Container | undefined) =>
      (c?.volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[] | undefined)?.map((m) => [
        m.name,
        m.mountPath,
        m.readOnly,
      ]);
    expect(mounts(spec.initContainers[2])).toEqual(mounts(spec.containers[0]));
    expect(mounts(spec.initContainers[2])).toEqual([
      ['secret-api-secrets', '/etc/secrets', true],
      ['secret-api-env', '/env', true],
    ]);
  });
});

describe('injecting twice', () => {
  it.each(GOLDEN_INPUTS)('changes nothing in %s the second time, byte for byte', async (name) => {
    const once = await injectFile(name);
    const twice = inject(fromYaml(renderManifests(once)), injection.options, injection.configMap).objects;
    expect(renderManifests(twice)).toBe(renderManifests(once));
  });

  it('replaces the earlier injection when the RoleID or the templates changed', async () => {
    const once = await injectFile('deployment.yaml');
    const changed = { ...injection.options, roleId: 'another-role-id', configHash: 'feedfacefeedface' };
    const again = inject(fromYaml(renderManifests(once)), changed, injection.configMap).objects;
    const spec = podSpec(again[1]);
    expect(spec.initContainers.filter((c) => c.name === 'secret-init')).toHaveLength(1);
    expect(spec.initContainers[0]?.env).toContainEqual({ name: 'VAULT_ROLE_ID', value: 'another-role-id' });
    expect(workload(again[1]).spec.template.metadata.annotations['secret-api.dev/config-hash']).toBe(
      'feedfacefeedface',
    );
    expect(again.filter((o) => o['kind'] === 'ConfigMap')).toHaveLength(1);
  });

  it('never changes the objects it was given', async () => {
    const manifests = await readManifests([join(FIXTURES, 'in', 'deployment.yaml')]);
    const before = structuredClone(manifests);
    inject(manifests, injection.options, injection.configMap);
    expect(manifests).toEqual(before);
  });
});

describe('who can read what secret-init writes (issue 14)', () => {
  interface PodSecurityView {
    securityContext?: Record<string, unknown>;
    initContainers: Container[];
    containers: Container[];
  }
  const pod = (object: KubeObject | undefined, path: string[] = ['spec', 'template', 'spec']): PodSecurityView =>
    path.reduce<unknown>((o, key) => (o as Record<string, unknown>)[key], object) as PodSecurityView;
  const mountsOf = (container: Container | undefined): unknown[] =>
    (container?.volumeMounts ?? []).map((m) => (m as { name: string }).name);
  const injected = (text: string): ReturnType<typeof inject> =>
    inject(fromYaml(text), injection.options, injection.configMap);

  it('gives a pod without a securityContext fsGroup 1000, the group secret-init and secret-refresh run as', async () => {
    const [, deployment] = await injectFile('deployment.yaml');
    const spec = pod(deployment);
    expect(spec.securityContext).toEqual({ fsGroup: 1000 });
    for (const container of spec.initContainers) {
      expect(container.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
    }
  });

  it("keeps a pod's runAsUser and runAsGroup and adds the fsGroup that lets its user read the files", async () => {
    const [, runsAsUser] = await injectFile('pod-security.yaml');
    const spec = pod(runsAsUser);
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 1000 });
    // The app container's own choice is left exactly as it was.
    expect(spec.containers[0]?.securityContext).toEqual({ runAsUser: 10002, allowPrivilegeEscalation: false });
    // Ours set their user at container level, so the pod's runAsUser does not make them another user.
    expect(spec.initContainers.map((c) => c.securityContext)).toEqual([
      expect.objectContaining({ runAsUser: 1000, runAsGroup: 1000 }),
      expect.objectContaining({ runAsUser: 1000, runAsGroup: 1000 }),
    ]);
  });

  it("keeps a pod's own fsGroup (and the rest of its securityContext) and says so in the report", async () => {
    const { objects, report } = inject(
      await readManifests([join(FIXTURES, 'in', 'pod-security.yaml')]),
      injection.options,
      injection.configMap,
    );
    expect(pod(objects[2]).securityContext).toEqual({
      fsGroup: 2000,
      fsGroupChangePolicy: 'OnRootMismatch',
      supplementalGroups: [3000],
    });
    expect(report.injected.map((i) => i.added.filter((a) => a.startsWith('pod fsGroup')))).toEqual([
      ['pod fsGroup 1000'],
      ['pod fsGroup 2000 (kept)'],
    ]);
  });

  it('mounts the lease directory (the Vault token) into secret-init and secret-refresh only', async () => {
    const [, statefulSet] = await injectFile('statefulset.yaml');
    const spec = pod(statefulSet);
    const withLeases = [...spec.initContainers, ...spec.containers]
      .filter((c) => mountsOf(c).includes('secret-api-leases'))
      .map((c) => c.name);
    expect(withLeases).toEqual(['secret-init', 'secret-refresh']);
  });

  it('takes the lease mount out of the app containers of a manifest injected by an earlier deployer', async () => {
    const [, deployment] = await injectFile('deployment.yaml');
    const older = structuredClone(deployment) as unknown as Workload;
    older.spec.template.spec.containers[0]?.volumeMounts?.push({
      name: 'secret-api-leases',
      mountPath: '/var/run/secrets/vault',
      readOnly: true,
    });
    const again = inject(
      fromYaml(renderManifests([older as unknown as KubeObject])),
      injection.options,
      injection.configMap,
    ).objects;
    expect(again[1]).toEqual(deployment);
  });

  const podWith = (spec: string): string =>
    `apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n${spec}\n  containers: [{ name: a, image: a }]`;
  it.each([
    [
      'fsGroup 0 (the root group)',
      '  securityContext: { fsGroup: 0 }',
      "Pod/p: its pod securityContext.fsGroup is 0: the app's secrets would belong to the root group",
    ],
    [
      'an fsGroup that is not a group id',
      '  securityContext: { fsGroup: "staff" }',
      'Pod/p: its pod securityContext.fsGroup "staff" is not a group id',
    ],
    ['a negative fsGroup', '  securityContext: { fsGroup: -1 }', 'Pod/p: its pod securityContext.fsGroup -1 is not'],
    [
      'a Windows pod',
      '  os: { name: windows }',
      'Pod/p: it is a Windows pod (os.name: windows): secret-init runs on Linux and needs a pod fsGroup',
    ],
    [
      "an app's init container asking for the lease directory",
      '  initContainers: [{ name: peek, image: a, volumeMounts: [{ name: secret-api-leases, mountPath: /v }] }]',
      "Pod/p: container peek mounts secret-api-leases (the pod's Vault token), which only secret-init and secret-refresh may",
    ],
  ])('refuses a pod with %s, naming it', (_what, spec, message) => {
    expect(() => injected(podWith(spec))).toThrow(message);
  });

  it('accepts an app container that runs as root or as its own group: the fsGroup still applies to it', () => {
    const text = podWith('  securityContext: { runAsUser: 0, runAsGroup: 0 }');
    const [, injectedPod] = injected(text).objects;
    expect(pod(injectedPod, ['spec']).securityContext).toEqual({ runAsUser: 0, runAsGroup: 0, fsGroup: 1000 });
  });
});

describe('what cannot be injected safely', () => {
  const deployment = (spec: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata: { name: api${extra} }
spec:
  template:
    spec:
${spec}`;

  it.each([
    [
      'a pod on the host network',
      '      hostNetwork: true\n      containers: [{ name: a, image: a }]',
      'Deployment/api: it uses hostNetwork',
    ],
    [
      'a volume name already in use',
      '      containers: [{ name: a, image: a }]\n      volumes: [{ name: secret-api-secrets, emptyDir: {} }]',
      'Deployment/api: a volume is already named secret-api-secrets',
    ],
    [
      'a container named like ours',
      '      containers: [{ name: secret-init, image: a }]',
      'Deployment/api: a container is already named secret-init',
    ],
    [
      'an app container that already mounts /etc/secrets',
      '      containers: [{ name: a, image: a, volumeMounts: [{ name: s, mountPath: /etc/secrets }] }]\n      volumes: [{ name: s, emptyDir: {} }]',
      'Deployment/api: container a already mounts something at /etc/secrets',
    ],
    [
      'an app container that mounts /etc/secrets/ (a trailing slash is the same path)',
      '      containers: [{ name: a, image: a, volumeMounts: [{ name: s, mountPath: /etc/secrets/ }] }]\n      volumes: [{ name: s, emptyDir: {} }]',
      'Deployment/api: container a already mounts something at /etc/secrets',
    ],
    [
      'an init container of the app that already mounts /etc/secrets (it gets the rendered files too)',
      '      containers: [{ name: a, image: a }]\n      initContainers: [{ name: m, image: m, volumeMounts: [{ name: s, mountPath: /etc/secrets }] }]\n      volumes: [{ name: s, emptyDir: {} }]',
      'Deployment/api: container m already mounts something at /etc/secrets',
    ],
    [
      'an app container that mounts //env//',
      '      containers: [{ name: a, image: a, volumeMounts: [{ name: s, mountPath: //env// }] }]\n      volumes: [{ name: s, emptyDir: {} }]',
      'Deployment/api: container a already mounts something at /env',
    ],
    [
      "an app container on secret-init's intake port",
      '      containers: [{ name: a, image: a, ports: [{ containerPort: 8099 }] }]',
      "Deployment/api: container a uses port 8099, secret-init's intake",
    ],
    [
      "an app sidecar on secret-refresh's probe port",
      '      containers: [{ name: a, image: a }]\n      initContainers: [{ name: side, image: s, restartPolicy: Always, ports: [{ containerPort: 8098, protocol: TCP }] }]',
      "Deployment/api: container side uses port 8098, secret-refresh's probe",
    ],
    ['a pod template without containers', '      containers: []', 'Deployment/api: its pod template has no containers'],
  ])('refuses %s, naming the object', (_what, spec, message) => {
    expect(() => inject(fromYaml(deployment(spec)), injection.options, injection.configMap)).toThrow(message);
  });

  it("refuses kustomize's own file and an object without a name, naming the document", () => {
    const kustomization =
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deploy.yaml]\n';
    expect(() => fromYaml(kustomization, 'k8s/kustomization.yaml')).toThrow(
      /k8s\/kustomization\.yaml: document 1 is a Kustomization \(kustomize's file.*kubectl kustomize/,
    );
    const unnamed =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\napiVersion: v1\nkind: Pod\nspec: {}\n';
    expect(() => fromYaml(unnamed, 'pods.yaml')).toThrow('pods.yaml: document 2 (Pod) has no metadata.name');
  });

  it('refuses a workload in another namespace than the cluster entry names', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: other }\nspec: { containers: [{ name: a, image: a }] }';
    expect(() => inject(fromYaml(text), injection.options, injection.configMap)).toThrow(
      'Pod/other/p: it is in namespace other, but the cluster',
    );
  });

  it('names every object it cannot inject at once', () => {
    const text = `${deployment('      hostNetwork: true\n      containers: [{ name: a, image: a }]')}\n---\n${deployment('      containers: []', '-2')}`;
    const error = (() => {
      try {
        inject(fromYaml(text), injection.options, injection.configMap);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InjectionError);
    expect((error as InjectionError).problems).toEqual([
      "Deployment/api: it uses hostNetwork: secret-init's intake port 8099 would listen on the node",
      'Deployment/api-2: its pod template has no containers',
    ]);
  });
});

describe('deployer inject (the command)', () => {
  let env: Record<string, string | undefined>;
  beforeAll(async () => {
    env = { ...baseEnv(await tempHome()), ROLE_ID };
  });

  it('reads manifests on stdin, prints them injected on stdout and the report on stderr without the RoleID', async () => {
    const input = await readFile(join(FIXTURES, 'in', 'helm.yaml'), 'utf8');
    const r = await runCli(['inject', '--cluster', 'aws.stg', '--deployer-yml', join(APP, 'deployer.yml')], {
      env,
      input,
    });
    expect(r.stderr).toBe(
      [
        'injected DaemonSet/log-shipper: secret-init, secret-refresh (native sidecar), volumes secret-api-config, ' +
          'secret-api-secrets, secret-api-env, secret-api-leases, pod fsGroup 1000, annotation secret-api.dev/role=myapp, ' +
          'no restart on change (secret-controller rolls out Deployments only; restart a DaemonSet yourself)',
        'skipped ServiceAccount/web: not a workload',
        'skipped Deployment/legacy: secret-api.dev/inject: "false"',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(0);
    const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJS() as KubeObject)['kind']);
    expect(kinds).toEqual(['ConfigMap', 'ServiceAccount', 'DaemonSet', 'Deployment']);
    expect(r.stdout).toContain(ROLE_ID);
  });

  it('reads files and directories and gives the same output as stdin', async () => {
    const fromFile = await runCli(
      ['inject', join(FIXTURES, 'in', 'pod.yaml'), '-c', 'aws.stg', '--deployer-yml', join(APP, 'deployer.yml')],
      { env },
    );
    const fromStdin = await runCli(['inject', '-c', 'aws.stg', '--deployer-yml', join(APP, 'deployer.yml')], {
      env,
      input: await readFile(join(FIXTURES, 'in', 'pod.yaml')),
    });
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toBe(fromStdin.stdout);
    expect(fromFile.stdout).toBe(await readFile(join(FIXTURES, 'golden', 'pod.yaml'), 'utf8'));
  });

  it('under npx, reads relative paths from where the user typed the command, not the workspace root npm moved to', async () => {
    const args = ['inject', 'in/pod.yaml', '-c', 'aws.stg', '--deployer-yml', 'app/deployer.yml'];
    const elsewhere = await tempHome();
    const viaNpx = await runCli(args, { env: { ...env, npm_command: 'exec', INIT_CWD: FIXTURES }, cwd: elsewhere });
    expect(viaNpx.stderr).not.toContain('cannot read');
    expect(viaNpx.code).toBe(0);
    expect(viaNpx.stdout).toBe(await readFile(join(FIXTURES, 'golden', 'pod.yaml'), 'utf8'));
    // Run directly, the working directory is the only base: the same relative paths are not there.
    const direct = await runCli(args, { env: { ...env, INIT_CWD: FIXTURES }, cwd: elsewhere });
    expect(direct.code).toBe(1);
  });

  it('exits 1 naming the object and prints no manifests when one cannot be injected', async () => {
    const input =
      'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { hostNetwork: true, containers: [{ name: a, image: a }] }\n';
    const r = await runCli(['inject', '-c', 'aws.stg', '--deployer-yml', join(APP, 'deployer.yml')], { env, input });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Error: cannot inject Pod/p: it uses hostNetwork');
    expect(r.stderr).not.toContain(ROLE_ID);
  });

  it('exits 1 with the line and column of a mistake in deployer.yml', async () => {
    const dir = await tempHome();
    const file = join(dir, 'deployer.yml');
    await (
      await import('node:fs/promises')
    ).writeFile(
      file,
      'app: myapp\nvaultAddr: https://vault:8200\nclusters:\n  - name: aws.stg\n    context: stg\n    namespace: Web_1\n',
    );
    const r = await runCli(['inject', '-c', 'aws.stg', '--deployer-yml', file], { env, input: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:6:16: clusters.0.namespace: namespace must be a lowercase RFC 1123 label`);
  });

  it('refuses a cluster deployer.yml does not list, naming those it does', async () => {
    const r = await runCli(['inject', '-c', 'gcp.prd', '--deployer-yml', join(APP, 'deployer.yml')], {
      env,
      input: '',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('has no cluster gcp.prd (it lists aws.stg)');
  });

  it('prints the report and the manifests as one document with --json', async () => {
    const input = await readFile(join(FIXTURES, 'in', 'pod.yaml'), 'utf8');
    const r = await runCli(['inject', '-c', 'aws.stg', '--deployer-yml', join(APP, 'deployer.yml'), '--json'], {
      env,
      input,
    });
    expect(r.code).toBe(0);
    const json = r.json() as { report: { injected: { object: string }[] }; manifests: KubeObject[] };
    expect(json.report.injected.map((i) => i.object)).toEqual(['Pod/debug']);
    expect(json.manifests).toEqual(
      parseAllDocuments(await readFile(join(FIXTURES, 'golden', 'pod.yaml'), 'utf8')).map((d) => d.toJS()),
    );
  });
});

describe("the templates' ConfigMap", () => {
  /** A project in a temp directory whose config directory holds `files`. */
  async function projectWith(files: Record<string, Buffer | string>, yml?: (text: string) => string) {
    const dir = await mkdtemp(join(tmpdir(), 'deployer-config-'));
    const text = await readFile(join(APP, 'deployer.yml'), 'utf8');
    await writeFile(join(dir, 'deployer.yml'), yml ? yml(text) : text);
    const config = join(dir, 'config');
    await mkdir(config, { recursive: true });
    for (const [name, content] of Object.entries(files)) await writeFile(join(config, name), content);
    return loadProject(join(dir, 'deployer.yml'));
  }

  it('carries a file that is not UTF-8 byte for byte in binaryData, and a text file in data', async () => {
    const der = Buffer.from([0x30, 0x82, 0xff, 0xfe, 0x00, 0x80, 0x62]);
    const { configMap } = await injectionFor(
      await projectWith({ 'trust.der': der, 'app.conf.tmpl': 'k={{ lookup "x" }}\n' }),
      'aws.stg',
      ROLE_ID,
    );
    expect(configMap['binaryData']).toEqual({ 'trust.der': der.toString('base64') });
    expect(configMap['data']).toEqual({ 'app.conf.tmpl': 'k={{ lookup "x" }}\n' });
    expect(Buffer.from((configMap['binaryData'] as Record<string, string>)['trust.der']!, 'base64')).toEqual(der);
  });

  it('a changed binary file changes the hash that rolls the pods; a text-only config has no binaryData', async () => {
    const hashOf = async (files: Record<string, Buffer | string>) =>
      (await injectionFor(await projectWith(files), 'aws.stg', ROLE_ID)).options.configHash;
    expect(await hashOf({ 'trust.der': Buffer.from([0xff, 1]) })).not.toBe(
      await hashOf({ 'trust.der': Buffer.from([0xff, 2]) }),
    );
    const textOnly = await injectionFor(await projectWith({ 'a.conf': 'x' }), 'aws.stg', ROLE_ID);
    expect(textOnly.configMap).not.toHaveProperty('binaryData');
  });

  it('refuses a config directory deployer.yml names but that does not exist; a missing default one is no templates', async () => {
    const named = await projectWith({}, (text) => `${text}config: nothere/\n`);
    await expect(injectionFor(named, 'aws.stg', ROLE_ID)).rejects.toThrow(/config: nothere\/ does not exist/);
    const dir = await mkdtemp(join(tmpdir(), 'deployer-noconfig-'));
    await writeFile(join(dir, 'deployer.yml'), await readFile(join(APP, 'deployer.yml'), 'utf8'));
    const none = await injectionFor(await loadProject(join(dir, 'deployer.yml')), 'aws.stg', ROLE_ID);
    expect(none.configMap['data']).toEqual({});
  });

  it('re-injecting an injected output with new templates leaves one ConfigMap, the new one, mounted by the pods', async () => {
    const first = await injectionFor(await projectWith({ 'a.conf.tmpl': 'one' }), 'aws.stg', ROLE_ID);
    const once = inject(await readManifests([join(FIXTURES, 'in', 'deployment.yaml')]), first.options, first.configMap);
    const second = await injectionFor(await projectWith({ 'a.conf.tmpl': 'two' }), 'aws.stg', ROLE_ID);
    const twice = inject(fromYaml(renderManifests(once.objects)), second.options, second.configMap).objects;
    const configMaps = twice.filter((o) => o['kind'] === 'ConfigMap');
    expect(configMaps).toEqual([second.configMap]);
    expect(second.options.configMapName).not.toBe(first.options.configMapName);
    expect(podSpec(twice.find((o) => o['kind'] === 'Deployment')).volumes).toContainEqual({
      name: 'secret-api-config',
      configMap: { name: second.options.configMapName },
    });
  });

  it('refuses a template secret-init could not parse, naming the file, line and column, before anything is applied', async () => {
    const project = await projectWith({ 'ok.conf.tmpl': 'a\n', 'bad.conf.tmpl': 'a\nb={{ lookup "A" }\n' });
    await expect(injectionFor(project, 'aws.stg', ROLE_ID)).rejects.toThrow(/bad\.conf\.tmpl:2/);
    const unknown = await projectWith({ 'app.conf.tmpl': '{{ vault "secret/x" }}' });
    await expect(injectionFor(unknown, 'aws.stg', ROLE_ID)).rejects.toThrow(/function "vault" not defined/);
    // A file that is not a template is copied as it is, braces and all.
    await expect(injectionFor(await projectWith({ 'raw.conf': '{{ nope' }), 'aws.stg', ROLE_ID)).resolves.toBeDefined();
  });

  it('names what the pods read for restart on change: lookups, raw KV reads and SECRET_ variables of this cluster', async () => {
    const readsOf = async (files: Record<string, string>, yml?: (text: string) => string) =>
      (await injectionFor(await projectWith(files, yml), 'aws.stg', ROLE_ID)).options.secretReads;
    const templates = {
      'a.conf.tmpl': '{{ lookup "API_KEY" }} {{ lookup "cluster/DSN" "url" }} {{ dbPassword }}',
      'b.conf.tmpl': '{{ with rawRead "secret/data/project/aws/REGISTRY" }}{{ .data.user }}{{ end }}',
      'c.conf.tmpl': '{{ rawRead "secret/data/cluster/gcp/prd/ELSEWHERE" }} {{ rawRead "pki/cert/ca" }}',
    };
    // The fixture's deployer.yml has SECRET_API_KEY: secret/data/myapp/api#key.
    expect(await readsOf(templates)).toBe('API_KEY,api,cluster/DSN,project/REGISTRY');
    expect(await readsOf({ 'a.conf.tmpl': '{{ lookup .Values.key }}' })).toBe('*');
    expect(await readsOf({ 'a.conf.tmpl': '{{ rawRead (printf "secret/data/myapp/%s" "K") }}' })).toBe('*');
    const noVariables = (text: string) => text.replace(/secrets:\n.*\n/, '');
    expect(await readsOf({ 'a.conf': 'plain' }, noVariables)).toBe('');
  });

  it('refuses config files that no ConfigMap could hold (over 1 MiB in all), before anything is applied', async () => {
    const half = 'x'.repeat(600 * 1024);
    await expect(
      injectionFor(await projectWith({ 'a.conf': half, 'b.conf': half }), 'aws.stg', ROLE_ID),
    ).rejects.toThrow(/may hold at most 1048576/);
    await expect(injectionFor(await projectWith({ 'a.conf': half }), 'aws.stg', ROLE_ID)).resolves.toBeDefined();
  });

  it('refuses a template that is not UTF-8 text', async () => {
    await expect(
      injectionFor(await projectWith({ 'bad.conf.tmpl': Buffer.from([0xff, 0xfe]) }), 'aws.stg', ROLE_ID),
    ).rejects.toThrow(/bad\.conf\.tmpl: a template must be UTF-8 text/);
  });
});
