/**
 * The rendered objects written to a real (vault-dev) Vault, then used the way
 * pods and the controller use them. This is what the policies are for: a
 * pod's token reads its app's secrets and nothing else, and the controller's
 * token mints SecretIDs for its app and does nothing else.
 */
import { startVaultDev, type VaultDev } from 'vault-dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChanges, renderVaultObjects } from '../src/index.js';
import { ensure, readActual, Vault } from './support/vault-http.js';

let server: VaultDev;
let root: Vault;
const myapp = renderVaultObjects('myapp', 'aws.stg');
const otherapp = renderVaultObjects('otherapp', 'aws.stg');

beforeAll(async () => {
  server = await startVaultDev({ port: 0, rootToken: 'root' });
  root = new Vault(server.address, 'root');
  await root.must('POST', 'sys/auth/approle', { type: 'approle' });
  for (const path of [
    'myapp/x',
    'otherapp/x',
    'global/x',
    'project/aws/x',
    'project/gcp/x',
    'cluster/aws/stg/x',
    'cluster/aws/prd/x',
  ]) {
    await root.must('POST', `secret/data/${path}`, { data: { value: `value of ${path}` } });
  }
});

afterAll(async () => {
  await server?.close();
});

/** Logs in as a pod would: RoleID from the role, SecretID minted with the given token. */
async function podLogin(minter: Vault, role = myapp): Promise<{ token: string; secretId: string; roleId: string }> {
  const roleId = (await root.must('GET', `${role.approle.path}/role-id`)).body.data.role_id as string;
  const secretId = (await minter.must('POST', `${role.approle.path}/secret-id`)).body.data.secret_id as string;
  const login = await root.must('POST', 'auth/approle/login', { role_id: roleId, secret_id: secretId });
  return { token: login.body.auth.client_token as string, secretId, roleId };
}

async function controllerToken(role = myapp): Promise<Vault> {
  const r = await root.must('POST', `auth/token/create/${role.tokenRole.name}`, { ttl: '30s' });
  return root.as(r.body.auth.client_token as string);
}

describe('ensure against Vault', () => {
  it('creates all four objects on first run, and the next plan finds nothing to write', async () => {
    const first = await ensure(root, myapp);
    expect(first.plan.changes.map((c) => c.action)).toEqual(['create', 'create', 'create', 'create']);
    await ensure(root, otherapp);

    const again = await ensure(root, myapp);
    expect(again.plan.changes.map((c) => [c.kind, c.action, c.fields])).toEqual([
      ['policy', 'unchanged', undefined],
      ['policy', 'unchanged', undefined],
      ['approle', 'unchanged', undefined],
      ['tokenRole', 'unchanged', undefined],
    ]);
    expect(again.writes).toEqual([]);
  });

  it('Vault stores the policy text exactly as rendered', async () => {
    expect((await root.data(myapp.readPolicy.path))?.['policy']).toBe(myapp.readPolicy.hcl);
  });

  it('a TTL changed by hand is seen as just that field, rewritten, and then unchanged', async () => {
    await root.must('POST', myapp.approle.path, { token_ttl: '1m' });
    const drifted = await ensure(root, myapp);
    expect(drifted.plan.changes.find((c) => c.kind === 'approle')).toMatchObject({
      action: 'update',
      fields: ['token_ttl'],
    });
    expect(drifted.writes.map((w) => w.kind)).toEqual(['approle']);
    expect((await root.data(myapp.approle.path))?.['token_ttl']).toBe(300);
  });

  it('a role rewritten with the legacy policies/period keys (same values) is unchanged', async () => {
    await root.must('POST', myapp.approle.path, {
      policies: ['default', myapp.readPolicy.name],
      period: '5m',
    });
    const actual = await readActual(root, myapp);
    expect(actual.approle).toHaveProperty('policies');
    expect(actual.approle).toHaveProperty('period', 300);
    expect(planChanges(myapp, actual).changes.map((c) => c.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
  });

  it('a policy edited by hand is put back', async () => {
    await root.must('POST', myapp.readPolicy.path, { policy: 'path "secret/data/*" { capabilities = ["read"] }' });
    const { plan } = await ensure(root, myapp);
    expect(plan.changes[0]).toMatchObject({ kind: 'policy', action: 'update', fields: ['policy'] });
    expect((await root.data(myapp.readPolicy.path))?.['policy']).toBe(myapp.readPolicy.hcl);
  });
});

describe("a pod's token (AppRole login with the read policy)", () => {
  let pod: Vault;
  beforeAll(async () => {
    await ensure(root, myapp);
    pod = root.as((await podLogin(root)).token);
  });

  it('carries the default and the read policy', async () => {
    const self = await pod.must('GET', 'auth/token/lookup-self');
    expect([...self.body.data.policies].sort()).toEqual(['default', 'secret-api/read-aws.stg.myapp']);
  });

  it.each(['myapp/x', 'global/x', 'project/aws/x', 'cluster/aws/stg/x'])('reads secret/data/%s', async (path) => {
    const r = await pod.get(`secret/data/${path}`);
    expect(r.status).toBe(200);
    expect(r.body.data.data).toEqual({ value: `value of ${path}` });
  });

  it("lists the app's keys under secret/metadata/myapp/", async () => {
    const r = await pod.list('secret/metadata/myapp/');
    expect(r.status).toBe(200);
    expect(r.body.data.keys).toEqual(['x']);
  });

  it.each(['otherapp/x', 'project/gcp/x', 'cluster/aws/prd/x'])(
    'cannot read another scope: secret/data/%s',
    async (path) => {
      expect((await pod.get(`secret/data/${path}`)).status).toBe(403);
    },
  );

  it('cannot list other apps or read secret metadata', async () => {
    expect((await pod.list('secret/metadata/otherapp/')).status).toBe(403);
    expect((await pod.list('secret/metadata/')).status).toBe(403);
    expect((await pod.get('secret/metadata/myapp/x')).status).toBe(403);
  });

  it.each(['myapp/x', 'myapp/new', 'global/x'])('cannot write secret/data/%s', async (path) => {
    expect((await pod.post(`secret/data/${path}`, { data: { value: 'pwned' } })).status).toBe(403);
  });

  it('cannot delete, mint SecretIDs, or touch policies', async () => {
    expect((await pod.call('DELETE', 'secret/data/myapp/x')).status).toBe(403);
    expect((await pod.post(`${myapp.approle.path}/secret-id`)).status).toBe(403);
    expect((await pod.post(myapp.readPolicy.path, { policy: 'path "*" { capabilities = ["sudo"] }' })).status).toBe(
      403,
    );
  });
});

describe("the controller's token (from the getsecretid token role)", () => {
  let controller: Vault;
  beforeAll(async () => {
    await ensure(root, myapp);
    await ensure(root, otherapp);
    controller = await controllerToken();
  });

  it('carries only the getsecretid policy (and default), never root', async () => {
    const self = await controller.must('GET', 'auth/token/lookup-self');
    expect([...self.body.data.policies].sort()).toEqual(['default', 'secret-api/getsecretid-aws.stg.myapp']);
    expect(self.body.data.orphan).toBe(false);
    const asRoot = await root.post(`auth/token/create/${myapp.tokenRole.name}`, { policies: ['root'] });
    expect(asRoot.status).toBe(400);
  });

  it('mints a SecretID for its app, and a pod logs in with it exactly once', async () => {
    const { roleId, secretId, token } = await podLogin(controller);
    expect(token).toBeTruthy();
    const reuse = await root.post('auth/approle/login', { role_id: roleId, secret_id: secretId });
    expect(reuse.status).toBe(400);
  });

  it("cannot mint a SecretID for another app's role", async () => {
    expect((await controller.post(`${otherapp.approle.path}/secret-id`)).status).toBe(403);
  });

  it('cannot read the role, its RoleID, or its SecretID accessors', async () => {
    expect((await controller.get(myapp.approle.path)).status).toBe(403);
    expect((await controller.get(`${myapp.approle.path}/role-id`)).status).toBe(403);
    expect((await controller.list(`${myapp.approle.path}/secret-id`)).status).toBe(403);
  });

  it('cannot read secrets', async () => {
    expect((await controller.get('secret/data/myapp/x')).status).toBe(403);
  });

  it('lives at most 60 s, whatever TTL its creator asks for', async () => {
    const r = await root.must('POST', `auth/token/create/${myapp.tokenRole.name}`, { ttl: '1h' });
    expect(r.body.auth.lease_duration).toBeLessThanOrEqual(60);
  });
});
