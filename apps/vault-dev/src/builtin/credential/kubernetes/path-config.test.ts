import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Operation, RequestData } from '../../../sdk/logical.js';
import { makeRequest, testBackendConfig } from '../../../testing/backend-harness.js';
import { KubernetesBackend } from './backend.js';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A backend whose "pod" service-account files live in a fresh directory. */
function podBackend() {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-sa-'));
  dirs.push(dir);
  const local = { caCertPath: join(dir, 'ca.crt'), jwtPath: join(dir, 'token') };
  const backend = new KubernetesBackend(testBackendConfig('auth/kubernetes/'), { local });
  const call = (operation: Operation, path: string, data: RequestData | null = null) =>
    backend.handleRequest(makeRequest('auth/kubernetes/', operation, path, data));
  return { backend, local, call };
}

describe('the pod service-account files (disable_local_ca_jwt=false)', () => {
  it('refuses a configuration without a CA when the pod CA file is missing, with Go’s error text', async () => {
    const { local, call } = podBackend();
    const r = await call('update', 'config', { kubernetes_host: 'https://kubernetes.default.svc' });
    expect(r?.error).toEqual({ message: `open ${local.caCertPath}: no such file or directory`, status: 400 });
    expect(await call('read', 'config')).toBeNull();
  });

  it('accepts it when the pod has a CA, and a login fails with 500 once the CA file is gone', async () => {
    const { local, call } = podBackend();
    writeFileSync(local.caCertPath, CA_PEM);
    expect(await call('update', 'config', { kubernetes_host: 'https://kubernetes.default.svc' })).toBeNull();
    expect((await call('read', 'config'))?.data).toMatchObject({
      kubernetes_ca_cert: '',
      token_reviewer_jwt_set: false,
    });
    await call('create', 'role/web', { bound_service_account_names: 'web', bound_service_account_namespaces: 'apps' });
    rmSync(local.caCertPath);
    const login = await call('update', 'login', { role: 'web', jwt: 'a.b.c' });
    expect(login?.error).toEqual({ message: `open ${local.caCertPath}: no such file or directory`, status: 500 });
  });

  it('does not look for the files when disable_local_ca_jwt is set', async () => {
    const { call } = podBackend();
    const r = await call('update', 'config', { kubernetes_host: 'http://127.0.0.1:1', disable_local_ca_jwt: true });
    expect(r).toBeNull();
  });
});
