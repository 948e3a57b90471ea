/**
 * The Helm chart, rendered by the real helm 3.17: it lints, refuses incomplete or unsafe values with a message naming
 * them, renders only schema-valid objects, and the configuration it renders is accepted by the programs themselves
 * (the Secret API's and the controller's own config parsers).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig as parseApiConfig } from '@secret-api/secret-api';
import { parseConfig as parseControllerConfig } from '@secret-api/secret-controller';
import { find, lint, render, template, type Manifest } from './support/helm.js';
import { validateManifest } from './support/validate.js';
import { approleNoController, everything, minimal, VALUE_SETS } from './support/values.js';

const NS = 'platform';

type EnvVar = { name: string; value?: string; valueFrom?: Record<string, unknown> };
type Container = {
  name: string;
  env: EnvVar[];
  volumeMounts: { name: string; mountPath: string }[];
  [k: string]: unknown;
};

const containerOf = (deployment: Manifest, name: string): Container => {
  const c = (deployment.spec.template.spec.containers as Container[]).find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
const envOf = (c: Container): Record<string, EnvVar> => Object.fromEntries(c.env.map((e) => [e.name, e]));

/** The literal variables of a container, with its secret files and fieldRefs replaced by what the cluster would give. */
function literalEnv(c: Container, fill: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env) if (e.value !== undefined) env[e.name] = e.value;
  return { ...env, ...fill };
}

describe('helm lint', () => {
  for (const [name, values] of Object.entries(VALUE_SETS)) {
    it(`passes --strict with the ${name} values`, async () => {
      const result = await lint(...values);
      expect(result.stderr + result.stdout).not.toMatch(/\[(ERROR|WARNING)\]/);
      expect(result.code).toBe(0);
    });
  }

  it('refuses the defaults, naming every value an operator must set', async () => {
    const result = await lint();
    expect(result.code).not.toBe(0);
    for (const required of [
      'api.vaultAddr',
      'api.authIssuers',
      'api.adminGroups',
      'api.secrets.vault.secretName',
      'api.secrets.historyHmacKey.secretName',
      'api.secrets.database.secretName',
      'controller.cluster',
    ]) {
      expect(result.stdout + result.stderr).toContain(required);
    }
  });
});

describe('helm template refuses unsafe or malformed values', () => {
  const refused: [string, Record<string, unknown>, string][] = [
    ['an image tagged latest', { image: { tag: 'latest' } }, 'image.tag'],
    ['a per-program image tagged latest', { api: { image: { tag: 'latest' } } }, 'api.image.tag'],
    ['a cluster name that is not <cloud>.<env>', { controller: { cluster: 'production' } }, 'controller.cluster'],
    [
      'an issuer without a key source',
      { api: { authIssuers: [{ issuer: 'https://x', audience: 'a' }] } },
      'api.authIssuers',
    ],
    ['an unknown value (a typo)', { api: { replica: 3 } }, 'replica'],
    ['a Vault auth method the API does not have', { api: { secrets: { vault: { auth: 'kubernetes' } } } }, 'auth'],
  ];
  for (const [what, values, named] of refused) {
    it(`refuses ${what}`, async () => {
      const result = await template('r', NS, minimal, values);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(named);
      expect(result.stdout).toBe('');
    });
  }
});

describe('rendered objects', () => {
  for (const [name, values] of Object.entries(VALUE_SETS)) {
    it(`are all valid Kubernetes objects with the ${name} values`, async () => {
      const manifests = await render('r', NS, ...values);
      expect(manifests.length).toBeGreaterThanOrEqual(3);
      for (const m of manifests) await validateManifest(m);
      for (const m of manifests) {
        if (m.kind !== 'ClusterRole' && m.kind !== 'ClusterRoleBinding') expect(m.metadata.namespace).toBe(NS);
        expect(m.metadata.labels['app.kubernetes.io/instance']).toBe('r');
      }
    });

    it(`run every container non-root, read-only, without privileges and with resources (${name})`, async () => {
      const manifests = await render('r', NS, ...values);
      for (const d of manifests.filter((m) => m.kind === 'Deployment')) {
        const pod = d.spec.template.spec;
        expect(pod.securityContext.runAsNonRoot).toBe(true);
        expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
        for (const c of pod.containers) {
          expect(c.securityContext).toMatchObject({
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          });
          expect(c.resources.requests.memory).toBeTruthy();
          expect(c.resources.limits.memory).toBeTruthy();
          expect(c.image).not.toMatch(/:latest$/);
          expect(c.image).toMatch(/:[0-9]/);
        }
      }
    });
  }

  it('fail the schema check when a field has the wrong type (the check is not vacuous)', async () => {
    const api = find(await render('r', NS, minimal), 'Deployment', 'r-secret-api');
    api.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    await expect(validateManifest(api)).rejects.toThrow(/containerPort must be integer/);
  });

  it('never carry a secret value: every secret reaches the API as a file or a secretKeyRef of an existing Secret', async () => {
    const manifests = await render('r', NS, minimal);
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    const api = find(manifests, 'Deployment', 'r-secret-api');
    const env = envOf(containerOf(api, 'secret-api'));
    expect(env['DATABASE_URL']?.valueFrom).toEqual({
      secretKeyRef: { name: 'secret-api-database', key: 'database-url' },
    });
    expect(env['VAULT_TOKEN']).toBeUndefined();
    expect(env['HISTORY_HMAC_KEY']).toBeUndefined();
    const mounts = Object.fromEntries(containerOf(api, 'secret-api').volumeMounts.map((m) => [m.name, m.mountPath]));
    const volumes = Object.fromEntries(
      api.spec.template.spec.volumes.map((v: { name: string; secret?: { secretName: string } }) => [v.name, v]),
    );
    expect(env['VAULT_TOKEN_FILE']?.value).toBe(`${mounts['vault-credentials']}/token`);
    expect(volumes['vault-credentials'].secret.secretName).toBe('secret-api-vault');
    expect(env['HISTORY_HMAC_KEY_FILE']?.value).toBe(`${mounts['history-hmac-key']}/history-hmac-key`);
    expect(volumes['history-hmac-key'].secret.secretName).toBe('secret-api-history');
  });

  it('gives the API a configuration its own parser accepts, probes on /healthz and /readyz, and a PodDisruptionBudget', async () => {
    const manifests = await render('r', NS, minimal);
    const api = find(manifests, 'Deployment', 'r-secret-api');
    const c = containerOf(api, 'secret-api');
    const config = parseApiConfig(
      literalEnv(c, {
        VAULT_TOKEN: 'from-the-mounted-file',
        HISTORY_HMAC_KEY: Buffer.alloc(32, 7).toString('base64'),
        DATABASE_URL: 'postgresql://secret_api:pw@postgres:5432/secret_api',
      }),
    );
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(JSON.stringify(config)).toContain('https://kubernetes.default.svc.cluster.local');
    expect(c['livenessProbe']).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(c['startupProbe']).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(c['readinessProbe']).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
    expect(api.spec.template.spec.automountServiceAccountToken).toBe(false);
    const pdb = find(manifests, 'PodDisruptionBudget', 'r-secret-api');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: api.spec.selector.matchLabels } });
    const service = find(manifests, 'Service', 'r-secret-api');
    expect(service.spec.selector).toEqual(api.spec.selector.matchLabels);
  });

  it('logs the API in with its AppRole from files when asked, and leaves out the controller', async () => {
    const manifests = await render('r', NS, minimal, approleNoController);
    const env = envOf(containerOf(find(manifests, 'Deployment', 'r-secret-api'), 'secret-api'));
    expect(env['VAULT_ROLE_ID_FILE']?.value).toBe('/var/run/secrets/secret-api/vault/role_id');
    expect(env['VAULT_SECRET_ID_FILE']?.value).toBe('/var/run/secrets/secret-api/vault/secret_id');
    expect(env['VAULT_TOKEN_FILE']).toBeUndefined();
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'Service', 'ServiceAccount']);
  });

  it('runs two controllers with leader election, a projected token for the API audience, and a config it accepts', async () => {
    const manifests = await render('r', NS, minimal);
    const d = find(manifests, 'Deployment', 'r-secret-api-controller');
    expect(d.spec.replicas).toBe(2);
    const pod = d.spec.template.spec;
    expect(pod.serviceAccountName).toBe('r-secret-api-controller');
    const projected = pod.volumes.find((v: { name: string }) => v.name === 'secret-api-token').projected.sources[0];
    expect(projected.serviceAccountToken).toMatchObject({ audience: 'secret-api', path: 'token' });
    const c = containerOf(d, 'secret-controller');
    const env = envOf(c);
    expect(env['POD_NAMESPACE']?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    const config = parseControllerConfig(
      literalEnv(c, {
        POD_NAMESPACE: NS,
        POD_NAME: 'r-secret-api-controller-abc',
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
      }),
    );
    expect(config.cluster).toBe('aws.stg');
    expect(config.secretApi.url).toBe('http://r-secret-api.platform.svc:80');
    expect(config.secretApi.tokenFile).toBe('/var/run/secrets/secret-api/token');
    expect(config.lease).toMatchObject({ namespace: NS, name: 'secret-controller' });
    expect(config.intakePort).toBe(8099);
    expect(c['readinessProbe']).toMatchObject({ httpGet: { path: '/readyz', port: 'health' } });
  });

  it('grants the controller exactly what it uses: pods, pod status, events, deployments cluster-wide, its own Lease', async () => {
    const manifests = await render('r', NS, minimal);
    expect(find(manifests, 'ClusterRole', 'r-secret-api-controller').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['get'] },
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'patch'] },
    ]);
    expect(find(manifests, 'Role', 'r-secret-api-controller-leader-election').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['secret-controller'],
        verbs: ['get', 'update'],
      },
    ]);
    for (const binding of ['ClusterRoleBinding', 'RoleBinding'] as const) {
      const name = binding === 'RoleBinding' ? 'r-secret-api-controller-leader-election' : 'r-secret-api-controller';
      expect(find(manifests, binding, name).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'r-secret-api-controller', namespace: NS },
      ]);
    }
    // The API itself gets no Kubernetes rights at all.
    expect(manifests.filter((m) => /Role/.test(m.kind) && m.metadata.name === 'r-secret-api')).toEqual([]);
  });

  it('follows the optional values: names, images, JWKS files and CAs, extra env, the API URL and audience', async () => {
    const manifests = await render('r', NS, minimal, everything);
    const api = find(manifests, 'Deployment', 'platform-secrets');
    expect(containerOf(api, 'secret-api')['image']).toBe('registry.example.com/platform/secret-api:1.2.4');
    expect(api.spec.template.spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(find(manifests, 'ConfigMap', 'platform-secrets-jwks').data).toEqual({ 'ci.json': '{"keys":[]}' });
    expect(Object.keys(find(manifests, 'ConfigMap', 'platform-secrets-jwks-ca').data)).toEqual(['cluster-ca.crt']);
    expect(containerOf(api, 'secret-api')['volumeMounts']).toContainEqual({
      name: 'jwks-ca',
      mountPath: '/etc/secret-api/jwks-ca',
      readOnly: true,
    });
    expect(envOf(containerOf(api, 'secret-api'))['VAULT_TIMEOUT_MS']?.value).toBe('8000');
    const controller = find(manifests, 'Deployment', 'platform-secrets-controller');
    expect(controller.spec.replicas).toBe(3);
    const c = containerOf(controller, 'secret-controller');
    expect(c['image']).toBe('registry.example.com/platform/secret-controller:1.2.3');
    expect(envOf(c)['SECRET_API_URL']?.value).toBe('https://secret-api.example.com');
    const token = controller.spec.template.spec.volumes[0].projected.sources[0].serviceAccountToken;
    expect(token.audience).toBe('https://secret-api.example.com');
    expect(find(manifests, 'Role', 'platform-secrets-controller-leader-election').rules[1].resourceNames).toEqual([
      'secret-controller-aws-stg',
    ]);
  });
});
