/**
 * Kubernetes auth login, as kube-vault-auth-init does it: secret-init reads the pod's
 * service-account token, logs in at `auth/<KUBERNETES_AUTH_PATH>/login` as VAULT_LOGIN_ROLE, and
 * then renders exactly as after an AppRole login. The cluster is kube-dev (TokenRequest issues the
 * token, TokenReview confirms it), reviewed by vault-dev's kubernetes auth method over TLS.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { startKubeDev, type KubeDev } from 'kube-dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, CLUSTER, ROLE, putSecret, startStack, type Stack } from './support/vault.js';
import { run, tempDir } from './support/program.js';

const NAMESPACE = 'shop';
const SERVICE_ACCOUNT = 'myapp';
const MOUNT = 'k8s-aws-stg';

let stack: Stack;
let kube: KubeDev;

/** kube-dev's API over TLS trusting its own CA (fetch cannot be given a CA). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes JSON, read field by field
function kubeCall(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${kube.address}${path}`,
      {
        method,
        ca: kube.caCertPem,
        headers: { Authorization: `Bearer ${kube.adminToken}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A projected service-account token from TokenRequest, written where the kubelet would put it. */
async function serviceAccountTokenFile(dir: string, name = SERVICE_ACCOUNT): Promise<string> {
  const tr = await kubeCall('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${name}/token`, {
    spec: { audiences: ['vault'], expirationSeconds: 600 },
  });
  if (tr.status !== 201) throw new Error(`TokenRequest: ${tr.status} ${JSON.stringify(tr.body)}`);
  const path = join(dir, 'token');
  writeFileSync(path, tr.body.status.token as string);
  return path;
}

beforeAll(async () => {
  [stack, kube] = await Promise.all([startStack(), startKubeDev({ namespaces: [NAMESPACE] })]);
  for (const name of [SERVICE_ACCOUNT, 'intruder']) {
    const sa = await kubeCall('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, { metadata: { name } });
    if (sa.status !== 201) throw new Error(`service account ${name}: ${sa.status}`);
  }
  await stack.root.ok('POST', `sys/auth/${MOUNT}`, { type: 'kubernetes' });
  await stack.root.ok('POST', `auth/${MOUNT}/config`, {
    kubernetes_host: kube.address,
    kubernetes_ca_cert: kube.caCertPem,
    token_reviewer_jwt: kube.adminToken,
  });
  await stack.root.ok('POST', `auth/${MOUNT}/role/${ROLE}`, {
    bound_service_account_names: SERVICE_ACCOUNT,
    bound_service_account_namespaces: NAMESPACE,
    audience: 'vault',
    token_policies: ['default', `secret-api/read-${ROLE}`],
    token_ttl: 300,
  });
  await putSecret(stack.root, `${APP}/API_KEY`, 'kube-api-key');
}, 60_000);

afterAll(async () => {
  await Promise.all([stack?.close(), kube?.close()]);
});

function podEnv(base: string, tokenFile: string, extra: Record<string, string> = {}): Record<string, string> {
  mkdirSync(join(base, 'config'), { recursive: true });
  writeFileSync(join(base, 'config', 'app.conf.tmpl'), 'key={{ lookup "API_KEY" }}\n');
  return {
    VAULT_ADDR: stack.vault.address,
    VAULT_LOGIN_ROLE: ROLE,
    KUBERNETES_AUTH_PATH: MOUNT,
    KUBERNETES_TOKEN_FILE: tokenFile,
    SECRET_INIT_APP: APP,
    SECRET_INIT_CLUSTER: CLUSTER,
    SECRET_INIT_CONFIG_DIR: join(base, 'config'),
    SECRET_INIT_OUTPUT_DIR: join(base, 'out'),
    SECRET_INIT_ENV_FILE: join(base, 'env', 'variables'),
    SECRET_INIT_LEASE_DIR: join(base, 'leases'),
    SECRET_API_KEY: `secret/data/${APP}/API_KEY`,
    ...extra,
  };
}

const errorOf = (logs: Record<string, unknown>[]) => logs.find((l) => l['level'] === 'error')?.['msg'];

describe('secret-init with Kubernetes auth', () => {
  it("logs in with the pod's service-account token and renders the templates, env file and lease dir", async () => {
    const base = tempDir('kube');
    const tokenFile = await serviceAccountTokenFile(base);
    const r = await run(podEnv(base, tokenFile));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(base, 'out', 'app.conf'), 'utf8')).toBe('key=kube-api-key\n');
    expect(readFileSync(join(base, 'env', 'variables'), 'utf8')).toContain("export API_KEY='kube-api-key'");
    const login = r.logs.find((l) => l['msg'] === 'logged in with Kubernetes auth');
    expect(login).toMatchObject({ mount: MOUNT, role: ROLE, tokenFile });
    // The lease dir hands a token secret-init owns to the sidecar, which Vault knows as this pod's account.
    const lease = JSON.parse(readFileSync(join(base, 'leases', 'leases.json'), 'utf8'));
    expect(lease.token.source).toBe('kubernetes');
    const token = readFileSync(join(base, 'leases', 'token'), 'utf8').trim();
    const self = await stack.root.call('GET', 'auth/token/lookup-self', undefined, {}, token);
    expect(self.body.data.meta).toMatchObject({ service_account_name: SERVICE_ACCOUNT, role: ROLE });
    expect(r.stderr).not.toContain(readFileSync(tokenFile, 'utf8'));
  });

  it("takes KUBERNETES_AUTH_PATH with Vault's auth/ prefix too", async () => {
    const base = tempDir('kube-prefix');
    const r = await run(podEnv(base, await serviceAccountTokenFile(base), { KUBERNETES_AUTH_PATH: `auth/${MOUNT}` }));
    expect(r.code, r.stderr).toBe(0);
  });

  it("refuses a service account the role does not bind, with Vault's reason, writing nothing", async () => {
    const base = tempDir('kube-intruder');
    const tokenFile = await serviceAccountTokenFile(base, 'intruder');
    const r = await run(podEnv(base, tokenFile));
    expect(r.code).toBe(1);
    expect(errorOf(r.logs)).toBe(
      `Kubernetes login at auth/${MOUNT}/login as role "${ROLE}" was refused (403): service account name not authorized`,
    );
    expect(r.stderr).not.toContain(readFileSync(tokenFile, 'utf8'));
    expect(() => readFileSync(join(base, 'out', 'app.conf'))).toThrow();
    expect(() => readFileSync(join(base, 'leases', 'token'))).toThrow();
  });

  it('exits 2 naming KUBERNETES_TOKEN_FILE when the pod has no service-account token', async () => {
    const base = tempDir('kube-notoken');
    const r = await run(podEnv(base, join(base, 'missing-token')));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KUBERNETES_TOKEN_FILE: cannot read the service-account token');
    expect(r.stderr).toContain('(ENOENT)');
  });

  it('exits 2 when both Kubernetes auth and an AppRole are configured, naming both', async () => {
    const base = tempDir('kube-both');
    const r = await run(podEnv(base, await serviceAccountTokenFile(base), { VAULT_ROLE_ID: stack.roleId }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('VAULT_LOGIN_ROLE (Kubernetes auth) and VAULT_ROLE_ID (AppRole) are both set');
  });

  it('exits 1 pointing at KUBERNETES_AUTH_PATH when Vault has no such auth method', async () => {
    const base = tempDir('kube-nomount');
    const r = await run(podEnv(base, await serviceAccountTokenFile(base), { KUBERNETES_AUTH_PATH: 'kubernetes' }));
    expect(r.code).toBe(1);
    expect(errorOf(r.logs)).toContain(
      'auth/kubernetes/login as role "aws.stg.myapp" was refused (403): permission denied',
    );
    expect(errorOf(r.logs)).toContain('KUBERNETES_AUTH_PATH');
  });
});
