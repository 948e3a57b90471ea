/**
 * deploy/vault/secret-api.hcl, written to a Vault (vault-dev) as policy `secret-api` and used
 * through a token that has only it (and `default`), over raw HTTP:
 *  - enough: every Vault operation the Secret API performs succeeds, with the bodies
 *    @secret-api/vault-policy renders for the API;
 *  - refused: the dangerous neighbours of those operations answer 403;
 *  - nothing more: taking away any one capability or allowed parameter from the file makes
 *    one of those operations fail with 403, so none of them is spare.
 */
import { readFile } from 'node:fs/promises';
import {
  APPROLE_DEFAULTS,
  parseTemplate,
  renderDynamicRoles,
  renderVaultObjects,
  type DynamicRoles,
  type VaultObjects,
} from '@secret-api/vault-policy';
import { startVaultDev, type VaultDev } from 'vault-dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretIdTokenRequest } from '../src/services/secret-id/issue-secret-id-token.js';

const POLICY_FILE = new URL('../../../deploy/vault/secret-api.hcl', import.meta.url);

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

interface Call {
  readonly body?: unknown;
  /** Sent as X-Vault-Wrap-TTL. */
  readonly wrapTTL?: string;
}

/** A reply with another status than the step needed; `status` tells a denial from other failures. */
class UnexpectedStatus extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UnexpectedStatus';
  }
}

class Vault {
  constructor(
    readonly address: string,
    readonly token: string | null,
  ) {}

  as(token: string | null): Vault {
    return new Vault(this.address, token);
  }

  async send(method: string, path: string, call: Call = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (this.token !== null) headers['X-Vault-Token'] = this.token;
    if (call.wrapTTL !== undefined) headers['X-Vault-Wrap-TTL'] = call.wrapTTL;
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(`${this.address}/v1/${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  }

  async must(status: number, method: string, path: string, call?: Call): Promise<Reply> {
    const reply = await this.send(method, path, call);
    if (reply.status !== status) {
      throw new UnexpectedStatus(
        reply.status,
        `${method} ${path}: expected ${status}, got ${reply.status} ${reply.text}`,
      );
    }
    return reply;
  }
}

function pick(value: unknown, ...keys: string[]): unknown {
  let v = value;
  for (const k of keys) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what}: expected a string, got ${String(value)}`);
  return value;
}

function same(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** One pass of the API's operations: the token under test, and the objects of one app in one cluster. */
interface Run {
  readonly api: Vault;
  /** No token: what pods and the controller use to unwrap and log in. */
  readonly anon: Vault;
  readonly objects: VaultObjects;
  /** The same app's database, AWS and PKI roles, one profile attached for each. */
  readonly dynamic: DynamicRoles;
  /** A KV key name of this pass, so that every pass creates its keys afresh. */
  readonly key: string;
}

/** A value's round trip through every KV v2 endpoint the API uses, in one app's or scope's folder. */
async function kvRoundTrip({ api, key }: Run, folder: string): Promise<void> {
  const data = `secret/data/${folder}/${key}`;
  const metadata = `secret/metadata/${folder}/${key}`;
  await api.must(200, 'POST', data, { body: { data: { value: 'one' }, options: { cas: 0 } } }); // create
  await api.must(200, 'POST', data, { body: { data: { value: 'two' }, options: { cas: 1 } } }); // update
  same(pick((await api.must(200, 'GET', data)).body, 'data', 'data', 'value'), 'two', data);
  same(pick((await api.must(200, 'GET', `${data}?version=1`)).body, 'data', 'data', 'value'), 'one', `${data} v1`);
  same(pick((await api.must(200, 'GET', metadata)).body, 'data', 'current_version'), 2, metadata);
  const keys = pick((await api.must(200, 'LIST', `secret/metadata/${folder}`)).body, 'data', 'keys');
  if (!Array.isArray(keys) || !keys.includes(key)) throw new Error(`LIST secret/metadata/${folder}: no ${key}`);
  await api.must(204, 'DELETE', data);
  await api.must(204, 'POST', `secret/undelete/${folder}/${key}`, { body: { versions: [2] } });
  await api.must(204, 'POST', `secret/delete/${folder}/${key}`, { body: { versions: [2] } });
  await api.must(204, 'POST', `secret/destroy/${folder}/${key}`, { body: { versions: [1] } });
  await api.must(204, 'DELETE', metadata);
  await api.must(404, 'GET', metadata);
}

/**
 * The Secret API's Vault operations (product.md §3 and §4), in the order an app's life
 * goes through them. Reads before the first write expect 404: allowed, and nothing there yet.
 */
const OPERATIONS: ReadonlyArray<{ readonly does: string; readonly run: (r: Run) => Promise<void> }> = [
  {
    does: 'writes, rewrites and reads the read and getsecretid policies of a role',
    async run({ api, objects }) {
      for (const policy of [objects.readPolicy, objects.getSecretIdPolicy]) {
        await api.must(404, 'GET', policy.path);
        await api.must(204, 'POST', policy.path, { body: { policy: policy.hcl } });
        await api.must(204, 'POST', policy.path, { body: { policy: policy.hcl } });
        same(pick((await api.must(200, 'GET', policy.path)).body, 'data', 'policy'), policy.hcl, policy.path);
      }
    },
  },
  {
    does: 'creates, updates and reads the AppRole with the body the API renders',
    async run({ api, objects }) {
      const { path, body } = objects.approle;
      await api.must(404, 'GET', path);
      await api.must(204, 'POST', path, { body });
      await api.must(204, 'POST', path, { body });
      const role = (await api.must(200, 'GET', path)).body;
      same(pick(role, 'data', 'token_policies'), ['default', objects.readPolicy.name], `${path} token_policies`);
    },
  },
  {
    does: 'puts back the AppRole fields it leaves at their defaults, when they were changed by hand',
    async run({ api, objects }) {
      const { path, body } = objects.approle;
      await api.must(204, 'POST', path, { body: { ...body, ...APPROLE_DEFAULTS } });
      same(pick((await api.must(200, 'GET', path)).body, 'data', 'token_type'), 'default', `${path} token_type`);
    },
  },
  {
    does: 'reads the RoleID and mints a wrapped SecretID that unwraps and logs in with it',
    async run({ api, anon, objects }) {
      const { path } = objects.approle;
      const roleId = text(pick((await api.must(200, 'GET', `${path}/role-id`)).body, 'data', 'role_id'), 'role_id');
      const wrapped = await api.must(200, 'POST', `${path}/secret-id`, {
        wrapTTL: '60s',
        body: { cidr_list: ['127.0.0.1/32'], metadata: JSON.stringify({ pod: 'myapp-0', namespace: 'myapp' }) },
      });
      same(pick(wrapped.body, 'data'), null, 'wrapped SecretID data');
      const wrappingToken = text(pick(wrapped.body, 'wrap_info', 'token'), 'wrap_info.token');
      const unwrapped = await anon.as(wrappingToken).must(200, 'POST', 'sys/wrapping/unwrap');
      const secretId = text(pick(unwrapped.body, 'data', 'secret_id'), 'secret_id');
      const login = await anon.must(200, 'POST', 'auth/approle/login', {
        body: { role_id: roleId, secret_id: secretId },
      });
      same(pick(login.body, 'auth', 'policies'), ['default', objects.readPolicy.name], 'login policies');
    },
  },
  {
    does: 'creates, updates and reads the token role with the body the API renders',
    async run({ api, objects }) {
      const { path, body } = objects.tokenRole;
      await api.must(404, 'GET', path);
      await api.must(204, 'POST', path, { body });
      await api.must(204, 'POST', path, { body });
      const role = (await api.must(200, 'GET', path)).body;
      same(pick(role, 'data', 'allowed_policies'), [objects.getSecretIdPolicy.name], `${path} allowed_policies`);
    },
  },
  {
    does: "creates a controller token through the token role, and that token mints the app's SecretIDs",
    async run({ api, anon, objects }) {
      const created = await api.must(200, 'POST', `auth/token/create/${objects.tokenRole.name}`, {
        body: secretIdTokenRequest(objects, 'system:serviceaccount:secrets:controller'),
      });
      same(pick(created.body, 'auth', 'policies'), [objects.getSecretIdPolicy.name], 'controller policies');
      same(pick(created.body, 'auth', 'orphan'), false, 'controller token orphan');
      const controller = anon.as(text(pick(created.body, 'auth', 'client_token'), 'client_token'));
      const minted = await controller.must(200, 'POST', `${objects.approle.path}/secret-id`, { body: {} });
      text(pick(minted.body, 'data', 'secret_id'), 'secret_id');
    },
  },
  {
    does: "writes, reads, lists, deletes, undeletes and destroys an app's values",
    run: (r) => kvRoundTrip(r, r.objects.app),
  },
  {
    does: 'does the same with the values shared by every app',
    run: (r) => kvRoundTrip(r, 'global'),
  },
  {
    does: 'does the same with the values shared by a cloud',
    run: (r) => kvRoundTrip(r, `project/${r.objects.cluster.cloud}`),
  },
  {
    does: 'does the same with the values shared by a cluster',
    run: (r) => kvRoundTrip(r, `cluster/${r.objects.cluster.cloud}/${r.objects.cluster.env}`),
  },
  {
    does: 'looks itself up and renews itself (through the default policy)',
    async run({ api }) {
      await api.must(200, 'GET', 'auth/token/lookup-self');
      await api.must(200, 'POST', 'auth/token/renew-self', { body: {} });
    },
  },
  {
    does: 'creates, updates and reads the database, AWS and PKI roles of an app with the bodies the API renders',
    async run({ api, dynamic }) {
      for (const slot of dynamic.slots) {
        const body = slot.desired!.body;
        await api.must(404, 'GET', slot.path);
        // A PKI role write answers with the role; the others answer 204.
        const written = slot.kind === 'pkiRole' ? 200 : 204;
        await api.must(written, 'POST', slot.path, { body }); // a create where the path has an existence check
        await api.must(written, 'POST', slot.path, { body }); // then an update
        const data = pick((await api.must(200, 'GET', slot.path)).body, 'data') as Record<string, unknown>;
        for (const [field, value] of Object.entries(body)) same(data[field], value, `${slot.path} ${field}`);
      }
    },
  },
  {
    does: 'deletes the database, AWS and PKI roles of an app',
    async run({ api, dynamic }) {
      for (const slot of dynamic.slots) {
        await api.must(204, 'DELETE', slot.path);
        await api.must(404, 'GET', slot.path);
      }
    },
  },
  {
    does: 'deletes the token role, the AppRole and both policies',
    async run({ api, objects }) {
      for (const path of [
        objects.tokenRole.path,
        objects.approle.path,
        objects.readPolicy.path,
        objects.getSecretIdPolicy.path,
      ]) {
        await api.must(204, 'DELETE', path);
        await api.must(404, 'GET', path);
      }
    },
  },
];

/** One way to take something away from the policy file, and what it took. */
interface Weakening {
  readonly takes: string;
  readonly policy: string;
}

/**
 * The file minus one capability, or with one allowed parameter renamed to a field the API
 * never sends (removing it could leave an empty allow-list, which allows everything).
 * Deny stanzas are left alone: they take nothing away from the API.
 */
function weakenings(policy: string): Weakening[] {
  const out: Weakening[] = [];
  const stanzas = [...policy.matchAll(/^path "([^"]+)" \{\n[\s\S]*?^\}$/gm)];
  if (stanzas.length !== policy.match(/^path "/gm)?.length) throw new Error('a path stanza was not recognised');
  for (const stanza of stanzas) {
    const [whole, pattern] = stanza;
    const start = stanza.index;
    const swap = (from: string, to: string): string =>
      policy.slice(0, start) + whole.replace(from, to) + policy.slice(start + whole.length);

    const caps = /capabilities\s*=\s*\[([^\]]*)\]/.exec(whole);
    if (!caps) throw new Error(`path "${pattern}": no capabilities`);
    const names = [...(caps[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
    if (names.includes('deny')) continue;
    for (const name of names) {
      const fewer = names.filter((n) => n !== name).map((n) => `"${n}"`);
      out.push({ takes: `"${name}" on ${pattern}`, policy: swap(caps[0], `capabilities = [${fewer.join(', ')}]`) });
    }

    const block = /allowed_parameters\s*=\s*\{[^}]*\}/.exec(whole)?.[0] ?? '';
    for (const [, parameter] of block.matchAll(/^\s*"([^"]+)"\s*=/gm)) {
      const renamed = block.replace(`"${parameter}"`, '"a-field-the-api-never-sends"');
      out.push({ takes: `allowed parameter "${parameter}" on ${pattern}`, policy: swap(block, renamed) });
    }
  }
  return out;
}

const myapp = renderVaultObjects('myapp', 'aws.stg');

/** One profile per engine, each using every field the API renders for its engine. */
const TEMPLATE = parseTemplate({
  profiles: {
    database: {
      main: {
        connection: 'main',
        creationStatements: [
          "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
        ],
        revocationStatements: ['DROP ROLE IF EXISTS "{{name}}";'],
        defaultTtl: '1h',
        maxTtl: '24h',
      },
    },
    aws: {
      deploy: {
        credentialType: 'assumed_role',
        roleArns: ['arn:aws:iam::123456789012:role/deploy'],
        policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
        policyDocument: '{"Version":"2012-10-17","Statement":[]}',
        defaultStsTtl: '15m',
        maxStsTtl: '1h',
      },
    },
    pki: { web: { allowedDomains: ['{app}.svc.cluster.local'], allowSubdomains: true, allowBareDomains: true } },
  },
});
const ATTACHED = { database: ['main'], aws: ['deploy'], pki: ['web'] };
const dynamicOf = (objects: VaultObjects): DynamicRoles =>
  renderDynamicRoles(objects.app, objects.cluster, ATTACHED, TEMPLATE);
const myappDynamic = dynamicOf(myapp);
const [DB_ROLE, AWS_ROLE, PKI_ROLE] = myappDynamic.slots.map((slot) => ({ path: slot.path, body: slot.desired!.body }));

let server: VaultDev;
let root: Vault;
let policyText: string;
/** A token with policies default + secret-api, as an operator would create for the API. */
let api: Vault;

beforeAll(async () => {
  policyText = await readFile(POLICY_FILE, 'utf8');
  server = await startVaultDev({ port: 0 });
  root = new Vault(server.address, server.rootToken);
  await root.must(204, 'POST', 'sys/auth/approle', { body: { type: 'approle' } });
  for (const [path, type] of [
    ['database', 'database'],
    ['aws', 'aws'],
    ['pki/aws/stg', 'pki'],
  ]) {
    await root.must(204, 'POST', `sys/mounts/${path}`, { body: { type } });
  }
  await root.must(204, 'PUT', 'sys/policies/acl/secret-api', { body: { policy: policyText } });
  const created = await root.must(200, 'POST', 'auth/token/create', { body: { policies: ['secret-api'] } });
  same(pick(created.body, 'auth', 'policies'), ['default', 'secret-api'], 'API token policies');
  api = root.as(text(pick(created.body, 'auth', 'client_token'), 'client_token'));
});

afterAll(async () => {
  await server?.close();
});

describe('deploy/vault/secret-api.hcl', () => {
  it('is accepted by Vault as written', async () => {
    const stored = await root.must(200, 'GET', 'sys/policies/acl/secret-api');
    expect(pick(stored.body, 'data', 'policy')).toBe(policyText);
  });
});

describe("the API's token is enough for every operation of the Secret API", () => {
  const run = (): Run => ({
    api,
    anon: api.as(null),
    objects: myapp,
    dynamic: myappDynamic,
    key: 'DATABASE_URL',
  });
  // In order: each operation works on what the ones before it created.
  for (const op of OPERATIONS) {
    it(`the API's token ${op.does}`, () => op.run(run()));
  }
});

const READ_POLICY = myapp.readPolicy.name;
const GETSECRETID_POLICY = myapp.getSecretIdPolicy.name;
const SOME_POLICY = { policy: 'path "secret/*" { capabilities = ["read"] }' };
const approleWith = (fields: Record<string, unknown>): Record<string, unknown> => ({
  ...myapp.approle.body,
  ...fields,
});
const tokenRoleWith = (fields: Record<string, unknown>): Record<string, unknown> => ({
  ...myapp.tokenRole.body,
  ...fields,
});
const controllerToken = secretIdTokenRequest(myapp, 'system:serviceaccount:secrets:controller');
const { token_policies: _pinned, ...approleWithoutPolicies } = myapp.approle.body;

interface Denial {
  readonly cannot: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly wrapTTL?: string;
}

const DENIALS: readonly Denial[] = [
  // Policies
  { cannot: 'write a policy of another name', method: 'PUT', path: 'sys/policies/acl/other', body: SOME_POLICY },
  { cannot: 'rewrite its own policy', method: 'PUT', path: 'sys/policies/acl/secret-api', body: SOME_POLICY },
  { cannot: 'read its own policy', method: 'GET', path: 'sys/policies/acl/secret-api' },
  { cannot: 'edit the default policy', method: 'PUT', path: 'sys/policies/acl/default', body: SOME_POLICY },
  {
    cannot: 'write another kind of secret-api/ policy',
    method: 'PUT',
    path: 'sys/policies/acl/secret-api/admin',
    body: SOME_POLICY,
  },
  {
    cannot: 'write policies through the legacy sys/policy endpoint',
    method: 'PUT',
    path: `sys/policy/${READ_POLICY}`,
    body: SOME_POLICY,
  },
  { cannot: 'list the policies', method: 'LIST', path: 'sys/policies/acl' },
  // AppRoles
  {
    cannot: 'give an AppRole the root policy',
    method: 'POST',
    path: myapp.approle.path,
    body: approleWith({ token_policies: ['root'] }),
  },
  {
    cannot: "give an AppRole the API's own policy",
    method: 'POST',
    path: myapp.approle.path,
    body: approleWith({ token_policies: ['default', 'secret-api'] }),
  },
  {
    cannot: 'add a foreign policy next to the read policy of an AppRole',
    method: 'POST',
    path: myapp.approle.path,
    body: approleWith({ token_policies: ['default', READ_POLICY, 'admin'] }),
  },
  {
    cannot: 'give an AppRole the root policy in a comma-separated string',
    method: 'POST',
    path: myapp.approle.path,
    body: approleWith({ token_policies: `default,${READ_POLICY},root` }),
  },
  {
    cannot: 'slip a foreign policy into an AppRole behind a read policy in a comma-separated string',
    method: 'POST',
    path: myapp.approle.path,
    body: approleWith({ token_policies: `${READ_POLICY},admin` }),
  },
  {
    cannot: "set an AppRole's policies through the legacy policies field",
    method: 'POST',
    path: myapp.approle.path,
    body: { ...approleWithoutPolicies, policies: ['default', READ_POLICY] },
  },
  {
    cannot: "set an AppRole's policies through its per-field endpoint",
    method: 'POST',
    path: `${myapp.approle.path}/policies`,
    body: { token_policies: ['root'] },
  },
  {
    cannot: 'let an AppRole log in with a RoleID alone',
    method: 'POST',
    path: myapp.approle.path,
    body: approleWith({ bind_secret_id: false }),
  },
  {
    cannot: 'choose the RoleID of an AppRole',
    method: 'POST',
    path: myapp.approle.path,
    body: approleWith({ role_id: 'a-roleid-someone-knows' }),
  },
  {
    cannot: 'set a RoleID through the role-id endpoint',
    method: 'POST',
    path: `${myapp.approle.path}/role-id`,
    body: { role_id: 'a-roleid-someone-knows' },
  },
  {
    cannot: 'reconfigure an AppRole named secret-api, which it may itself log in with',
    method: 'POST',
    path: 'auth/approle/role/secret-api',
    body: myapp.approle.body,
  },
  {
    cannot: 'mint a SecretID for an AppRole named secret-api',
    method: 'POST',
    path: 'auth/approle/role/secret-api/secret-id',
    body: {},
    wrapTTL: '60s',
  },
  { cannot: 'list the AppRoles', method: 'LIST', path: 'auth/approle/role' },
  // SecretIDs
  { cannot: 'mint a SecretID without response wrapping', method: 'POST', path: `${myapp.approle.path}/secret-id` },
  {
    cannot: 'wrap a SecretID for longer than 60 seconds',
    method: 'POST',
    path: `${myapp.approle.path}/secret-id`,
    body: {},
    wrapTTL: '5m',
  },
  {
    cannot: "mint a SecretID that outlives the role's limits",
    method: 'POST',
    path: `${myapp.approle.path}/secret-id`,
    body: { ttl: '24h', num_uses: 0 },
    wrapTTL: '60s',
  },
  // Token roles and tokens
  {
    cannot: 'let a token role grant the secret-api policy',
    method: 'POST',
    path: myapp.tokenRole.path,
    body: tokenRoleWith({ allowed_policies: ['secret-api'] }),
  },
  {
    cannot: 'slip a foreign policy into a token role behind a getsecretid policy in a comma-separated string',
    method: 'POST',
    path: myapp.tokenRole.path,
    body: tokenRoleWith({ allowed_policies: `${GETSECRETID_POLICY},admin` }),
  },
  {
    cannot: 'let a token role grant any policy by glob',
    method: 'POST',
    path: myapp.tokenRole.path,
    body: tokenRoleWith({ allowed_policies_glob: ['*'] }),
  },
  {
    cannot: 'make a token role mint orphan tokens',
    method: 'POST',
    path: myapp.tokenRole.path,
    body: tokenRoleWith({ orphan: true }),
  },
  {
    cannot: 'make a token role mint periodic tokens',
    method: 'POST',
    path: myapp.tokenRole.path,
    body: tokenRoleWith({ token_period: '24h' }),
  },
  {
    cannot: 'write a token role of another name',
    method: 'POST',
    path: 'auth/token/roles/other-role',
    body: myapp.tokenRole.body,
  },
  {
    cannot: 'create a token without a role',
    method: 'POST',
    path: 'auth/token/create',
    body: { policies: [GETSECRETID_POLICY] },
  },
  { cannot: 'create a copy of itself', method: 'POST', path: 'auth/token/create', body: {} },
  {
    cannot: 'create an orphan token',
    method: 'POST',
    path: 'auth/token/create-orphan',
    body: { policies: [GETSECRETID_POLICY] },
  },
  {
    cannot: 'create a token through another token role',
    method: 'POST',
    path: 'auth/token/create/other-role',
    body: controllerToken,
  },
  {
    cannot: 'create a controller token with the secret-api policy',
    method: 'POST',
    path: `auth/token/create/${myapp.tokenRole.name}`,
    body: { ...controllerToken, policies: ['secret-api'] },
  },
  {
    cannot: 'slip a foreign policy into a controller token behind a getsecretid policy in a comma-separated string',
    method: 'POST',
    path: `auth/token/create/${myapp.tokenRole.name}`,
    body: { ...controllerToken, policies: `${GETSECRETID_POLICY},secret-api` },
  },
  {
    cannot: 'create a controller token without naming its policies',
    method: 'POST',
    path: `auth/token/create/${myapp.tokenRole.name}`,
    body: { ttl: '60s', num_uses: 2 },
  },
  {
    cannot: 'create a controller token without a parent',
    method: 'POST',
    path: `auth/token/create/${myapp.tokenRole.name}`,
    body: { ...controllerToken, no_parent: true },
  },
  {
    cannot: 'create a periodic controller token',
    method: 'POST',
    path: `auth/token/create/${myapp.tokenRole.name}`,
    body: { ...controllerToken, period: '24h' },
  },
  { cannot: 'look up other tokens', method: 'POST', path: 'auth/token/lookup', body: { token: 'root' } },
  // Mounts, auth methods, leases
  { cannot: 'enable an auth method', method: 'POST', path: 'sys/auth/x', body: { type: 'approle' } },
  { cannot: 'disable the AppRole auth method', method: 'DELETE', path: 'sys/auth/approle' },
  { cannot: 'mount a secrets engine', method: 'POST', path: 'sys/mounts/x', body: { type: 'kv' } },
  { cannot: 'unmount the KV engine', method: 'DELETE', path: 'sys/mounts/secret' },
  { cannot: 'revoke leases by prefix', method: 'POST', path: 'sys/leases/revoke-prefix/auth/approle' },
  // Dynamic-credential engines: only the apps' roles, only the rendered fields
  {
    cannot: 'configure a database connection',
    method: 'POST',
    path: 'database/config/main',
    body: { plugin_name: 'postgresql-database-plugin', connection_url: 'postgresql://x', allowed_roles: ['*'] },
  },
  { cannot: "mint an app's database credentials itself", method: 'GET', path: `database/creds/${myapp.roleName}` },
  {
    cannot: 'give a database role fields the API never renders',
    method: 'POST',
    path: DB_ROLE!.path,
    body: { ...DB_ROLE!.body, renew_statements: ['ALTER ROLE postgres SUPERUSER;'] },
  },
  { cannot: 'list the database roles', method: 'LIST', path: 'database/roles' },
  { cannot: 'configure the AWS engine', method: 'POST', path: 'aws/config/root', body: { access_key: 'AKIA' } },
  { cannot: "mint an app's AWS credentials itself", method: 'GET', path: `aws/creds/${myapp.roleName}` },
  {
    cannot: 'give an AWS role a credential type no profile can have',
    method: 'POST',
    path: AWS_ROLE!.path,
    body: { ...AWS_ROLE!.body, credential_type: 'session_token' },
  },
  {
    cannot: 'put an AWS role in IAM groups',
    method: 'POST',
    path: AWS_ROLE!.path,
    body: { ...AWS_ROLE!.body, iam_groups: ['admins'] },
  },
  {
    cannot: 'let a PKI role issue for any name',
    method: 'POST',
    path: PKI_ROLE!.path,
    body: { ...PKI_ROLE!.body, allow_any_name: true },
  },
  {
    cannot: 'let a PKI role issue for glob domains',
    method: 'POST',
    path: PKI_ROLE!.path,
    body: { ...PKI_ROLE!.body, allow_glob_domains: true },
  },
  { cannot: 'generate a cluster CA', method: 'POST', path: 'pki/aws/stg/root/generate/internal', body: {} },
  {
    cannot: "issue an app's certificates itself",
    method: 'POST',
    path: `pki/aws/stg/issue/${myapp.roleName}`,
    body: { common_name: 'myapp.svc.cluster.local' },
  },
  // KV outside the apps' and scopes' keys
  { cannot: 'read the KV mount configuration', method: 'GET', path: 'secret/config' },
  { cannot: 'change the KV mount configuration', method: 'POST', path: 'secret/config', body: { max_versions: 1 } },
  { cannot: 'list every app on the KV mount', method: 'LIST', path: 'secret/metadata/' },
  { cannot: "read values nested below an app's keys", method: 'GET', path: 'secret/data/myapp/KEY/deeper' },
  { cannot: "read values' subkeys, which it never needs", method: 'GET', path: 'secret/subkeys/myapp/KEY' },
];

describe("the API's token is refused everything around those operations", () => {
  for (const { cannot, method, path, body, wrapTTL } of DENIALS) {
    it(`the API's token cannot ${cannot}`, async () => {
      const reply = await api.send(method, path, { body, ...(wrapTTL === undefined ? {} : { wrapTTL }) });
      expect({ status: reply.status, errors: pick(reply.body, 'errors') }).toEqual({
        status: 403,
        errors: [expect.stringContaining('permission denied')],
      });
    });
  }
});

describe('the policy file grants nothing the Secret API does not use', () => {
  it('every capability and every allowed parameter in it is needed by one of the operations', async () => {
    const variants = weakenings(policyText);
    expect(variants.length).toBeGreaterThan(0);
    const created = await root.must(200, 'POST', 'auth/token/create', { body: { policies: ['secret-api-weakened'] } });
    const weakened = root.as(text(pick(created.body, 'auth', 'client_token'), 'client_token'));

    const spare: string[] = [];
    for (const [i, variant] of variants.entries()) {
      // Policies are resolved on every request, so the token sees each rewrite at once.
      await root.must(204, 'PUT', 'sys/policies/acl/secret-api-weakened', { body: { policy: variant.policy } });
      const objects = renderVaultObjects(`weakened-${i}`, 'aws.stg');
      const run: Run = {
        api: weakened,
        anon: weakened.as(null),
        objects,
        dynamic: dynamicOf(objects),
        key: `KEY_${i}`,
      };
      try {
        for (const op of OPERATIONS) await op.run(run);
        spare.push(variant.takes);
      } catch (e) {
        // Only a denial shows the taken thing was needed; anything else is a broken test.
        if (!(e instanceof UnexpectedStatus) || e.status !== 403) throw e;
      }
    }
    expect(spare).toEqual([]);
  }, 120_000);
});
