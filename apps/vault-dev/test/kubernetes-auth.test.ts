/**
 * Vault's kubernetes auth method (vault-engines.md §5) through real HTTP: a
 * pod's service-account JWT logs in when its role binds the account, and
 * only once the cluster confirms the token through TokenReview. The cluster
 * here is a small TokenReview server that vouches for the JWTs it signed
 * itself; one test runs against kube-dev, the Kubernetes stand-in.
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeDev } from 'kube-dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVaultDev } from '../src/index.js';
import { useVaultDev, VaultClient } from './support/vault.js';

// ---------------------------------------------------------------------------
// A cluster that answers TokenReview for the JWTs it issued.

interface ServiceAccount {
  namespace: string;
  name: string;
  uid: string;
}

interface SeenReview {
  authorization: string;
  body: Record<string, unknown>;
}

class TinyCluster {
  readonly key: KeyObject;
  readonly publicKeyPem: string;
  /** The bearer token Vault must present (its token_reviewer_jwt). */
  readonly reviewerToken = `reviewer-${randomUUID()}`;
  readonly revoked = new Set<string>();
  readonly reviews: SeenReview[] = [];
  readonly namespaceLabels = new Map<string, Record<string, string>>();
  private server: Server | undefined;
  address = '';

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.key = privateKey;
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** A projected service-account token, as TokenRequest issues it. */
  issue(sa: ServiceAccount, opts: { aud?: string[]; expiresIn?: number; key?: KeyObject } = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: opts.aud ?? ['vault'],
      exp: now + (opts.expiresIn ?? 600),
      iat: now,
      nbf: now,
      iss: 'https://kubernetes.default.svc.cluster.local',
      sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
      // Unique per token, as the apiserver's: two tokens issued in the same second differ.
      jti: randomUUID(),
      'kubernetes.io': { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } },
    };
    const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${encode({ alg: 'RS256', kid: 'k1' })}.${encode(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), opts.key ?? this.key).toString('base64url')}`;
  }

  /** Checks the way the apiserver does: signed by us, not expired, not revoked. */
  private review(token: string, audiences: string[]) {
    const [header, payload, signature] = token.split('.');
    const expected = sign('sha256', Buffer.from(`${header}.${payload}`), this.key).toString('base64url');
    if (signature !== expected || this.revoked.has(token)) return { user: {}, error: 'invalid bearer token' };
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    if (claims.exp < Date.now() / 1000) return { user: {}, error: 'service account token has expired' };
    const granted = audiences.length > 0 ? audiences.filter((a) => claims.aud.includes(a)) : claims.aud;
    if (granted.length === 0) return { user: {}, error: 'token audiences is invalid for the target audiences' };
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    return {
      authenticated: true,
      audiences: granted,
      user: { username: `system:serviceaccount:${namespace}:${serviceaccount.name}`, uid: serviceaccount.uid },
    };
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const reply = (status: number, body: unknown) =>
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      const authorization = req.headers.authorization ?? '';
      const bearer = authorization.replace(/^Bearer /, '');
      if (bearer !== this.reviewerToken && this.review(bearer, []).authenticated !== true) {
        return reply(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
      }
      const ns = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(req.url ?? '')?.[1];
      if (req.method === 'GET' && ns !== undefined) {
        const labels = this.namespaceLabels.get(ns);
        if (!labels) return reply(404, { kind: 'Status', status: 'Failure', message: `namespaces "${ns}" not found` });
        return reply(200, { kind: 'Namespace', apiVersion: 'v1', metadata: { name: ns, labels } });
      }
      const body = JSON.parse(await readAll(req));
      this.reviews.push({ authorization, body });
      reply(201, {
        kind: 'TokenReview',
        apiVersion: 'authentication.k8s.io/v1',
        ...body,
        status: this.review(body.spec.token, body.spec.audiences ?? []),
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function readAll(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

/** A local address nothing listens on. */
async function closedPortAddress(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

// ---------------------------------------------------------------------------

const ctx = useVaultDev();
const cluster = new TinyCluster();
const web: ServiceAccount = { namespace: 'apps', name: 'web', uid: randomUUID() };
const worker: ServiceAccount = { namespace: 'apps', name: 'worker', uid: randomUUID() };
const intruder: ServiceAccount = { namespace: 'other', name: 'web', uid: randomUUID() };

let seq = 0;
const fresh = (prefix: string): string => `${prefix}-${++seq}`;

const login = (client: VaultClient, role: string, jwt: string) =>
  client.post('auth/kubernetes/login', { role, jwt }, { token: null });

async function configure(client: VaultClient, body: Record<string, unknown> = {}): Promise<void> {
  const r = await client.post('auth/kubernetes/config', {
    kubernetes_host: cluster.address,
    token_reviewer_jwt: cluster.reviewerToken,
    disable_local_ca_jwt: true,
    ...body,
  });
  expect(r.status, r.text).toBe(204);
}

async function writeRole(client: VaultClient, name: string, body: Record<string, unknown>): Promise<void> {
  const r = await client.post(`auth/kubernetes/role/${name}`, { audience: 'vault', ...body });
  expect(r.status, r.text).toBe(204);
}

beforeAll(async () => {
  await cluster.start();
  const r = await ctx.client.post('sys/auth/kubernetes', { type: 'kubernetes' });
  expect(r.status, r.text).toBe(204);
  await configure(ctx.client);
});

afterAll(async () => {
  await cluster.close();
});

describe('auth/kubernetes/config', () => {
  it('reads back the configuration without the reviewer JWT, only whether one is set', async () => {
    const r = await ctx.client.get('auth/kubernetes/config');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({
      kubernetes_host: cluster.address,
      kubernetes_ca_cert: '',
      pem_keys: [],
      issuer: '',
      disable_iss_validation: true,
      disable_local_ca_jwt: true,
      token_reviewer_jwt_set: true,
      use_annotations_as_alias_metadata: false,
    });
    expect(r.text).not.toContain(cluster.reviewerToken);
  });

  it('refuses a configuration without a host, with unusable PEM, or needing a pod CA it cannot read', async () => {
    const noHost = await ctx.client.post('auth/kubernetes/config', { disable_local_ca_jwt: true });
    expect(noHost.status).toBe(400);
    expect(noHost.body.errors).toEqual(['no host provided']);
    const badCa = await ctx.client.post('auth/kubernetes/config', {
      kubernetes_host: cluster.address,
      kubernetes_ca_cert: 'not pem',
    });
    expect(badCa.body.errors).toEqual(['The provided CA PEM data contains no valid certificates']);
    const badKey = await ctx.client.post('auth/kubernetes/config', {
      kubernetes_host: cluster.address,
      disable_local_ca_jwt: true,
      pem_keys: ['garbage'],
    });
    expect(badKey.body.errors).toEqual(['data does not contain any valid RSA or ECDSA public keys']);
    // The earlier configuration is untouched.
    expect((await ctx.client.get('auth/kubernetes/config')).body.data.kubernetes_host).toBe(cluster.address);
  });
});

describe('auth/kubernetes/role', () => {
  it('stores a role and reads it back with the token fields; LIST names it; delete removes it', async () => {
    const name = fresh('Role');
    await writeRole(ctx.client, name, {
      bound_service_account_names: 'web,api-*',
      bound_service_account_namespaces: ['apps'],
      token_policies: 'read-app',
      token_ttl: '1h',
      token_max_ttl: 7200,
    });
    const r = await ctx.client.get(`auth/kubernetes/role/${name}`);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({
      bound_service_account_names: ['web', 'api-*'],
      bound_service_account_namespaces: ['apps'],
      bound_service_account_namespace_selector: '',
      audience: 'vault',
      alias_name_source: 'serviceaccount_uid',
      token_policies: ['read-app'],
      token_ttl: 3600,
      token_max_ttl: 7200,
      token_type: 'default',
    });
    const list = await ctx.client.list('auth/kubernetes/role');
    expect(list.body.data.keys).toContain(name.toLowerCase());
    expect((await ctx.client.delete(`auth/kubernetes/role/${name}`)).status).toBe(204);
    expect((await ctx.client.get(`auth/kubernetes/role/${name}`)).status).toBe(404);
  });

  it('answers a role without an audience with a warning', async () => {
    const name = fresh('no-aud');
    const r = await ctx.client.post(`auth/kubernetes/role/${name}`, {
      bound_service_account_names: 'web',
      bound_service_account_namespaces: 'apps',
    });
    expect(r.status).toBe(200);
    expect(r.body.warnings).toEqual([
      `Role ${name} does not have an audience configured. While audiences are not required, consider specifying one if your use case would benefit from additional JWT claim verification.`,
    ]);
  });

  it.each([
    [{ bound_service_account_namespaces: 'apps' }, '"bound_service_account_names" can not be empty'],
    [
      { bound_service_account_names: 'web' },
      '"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set',
    ],
    [{ bound_service_account_names: '*,web', bound_service_account_namespaces: 'apps' }, 'can not mix "*" with values'],
    [
      { bound_service_account_names: 'web', bound_service_account_namespaces: 'apps', alias_name_source: 'pod' },
      'invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name',
    ],
    [
      { bound_service_account_names: 'web', bound_service_account_namespaces: 'apps', ttl: 600, max_ttl: 60 },
      'token ttl should not be greater than token max ttl',
    ],
    [
      { bound_service_account_names: 'web', bound_service_account_namespace_selector: '{"matchExpressions":[]}' },
      'invalid "bound_service_account_namespace_selector" configured',
    ],
  ])('refuses an invalid role (%j) with 400 and stores nothing', async (body, message) => {
    const name = fresh('bad');
    const r = await ctx.client.post(`auth/kubernetes/role/${name}`, body);
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([message]);
    expect((await ctx.client.get(`auth/kubernetes/role/${name}`)).status).toBe(404);
  });
});

describe('auth/kubernetes/login', () => {
  const role = fresh('web');
  beforeAll(async () => {
    await writeRole(ctx.client, role, {
      bound_service_account_names: ['web'],
      bound_service_account_namespaces: ['apps'],
      token_policies: ['read-app', 'write-app'],
      token_ttl: 900,
    });
  });

  it('gives a bound service account a token with the role policies, its metadata and an entity', async () => {
    const jwt = cluster.issue(web);
    const r = await login(ctx.client, role, jwt);
    expect(r.status, r.text).toBe(200);
    const auth = r.body.auth;
    expect(auth.policies).toEqual(['default', 'read-app', 'write-app']);
    expect(auth.token_policies).toEqual(['default', 'read-app', 'write-app']);
    expect(auth.metadata).toEqual({
      role,
      service_account_name: 'web',
      service_account_namespace: 'apps',
      service_account_secret_name: '',
      service_account_uid: web.uid,
    });
    expect(auth.lease_duration).toBe(900);
    expect(auth.renewable).toBe(true);
    expect(auth.entity_id).toMatch(/^[0-9a-f-]{36}$/);

    const self = await ctx.client.get('auth/token/lookup-self', { token: auth.client_token });
    expect(self.status).toBe(200);
    expect(self.body.data).toMatchObject({
      display_name: 'kubernetes-apps-web',
      path: 'auth/kubernetes/login',
      meta: auth.metadata,
      entity_id: auth.entity_id,
    });

    // The same service account maps to the same entity (alias = its UID).
    const again = await login(ctx.client, role, cluster.issue(web));
    expect(again.body.auth.entity_id).toBe(auth.entity_id);
  });

  it('asks TokenReview with the reviewer JWT, the login JWT and the role audience, in Go’s body shape', async () => {
    const jwt = cluster.issue(web);
    cluster.reviews.length = 0;
    expect((await login(ctx.client, role, jwt)).status).toBe(200);
    expect(cluster.reviews).toEqual([
      {
        authorization: `Bearer ${cluster.reviewerToken}`,
        body: {
          metadata: { creationTimestamp: null },
          spec: { token: jwt, audiences: ['vault'] },
          status: { user: {} },
        },
      },
    ]);
  });

  it('refuses a service account or a namespace the role does not bind, before asking the cluster', async () => {
    cluster.reviews.length = 0;
    const name = await login(ctx.client, role, cluster.issue(worker));
    expect(name.status).toBe(403);
    expect(name.body).toEqual({ errors: ['service account name not authorized'] });
    const namespace = await login(ctx.client, role, cluster.issue(intruder));
    expect(namespace.status).toBe(403);
    expect(namespace.body).toEqual({ errors: ['namespace not authorized'] });
    expect(cluster.reviews).toEqual([]);
  });

  it('binds any name or namespace with "*" and name globs', async () => {
    const open = fresh('open');
    await writeRole(ctx.client, open, { bound_service_account_names: '*', bound_service_account_namespaces: '*' });
    expect((await login(ctx.client, open, cluster.issue(intruder))).status).toBe(200);
    const globbed = fresh('glob');
    await writeRole(ctx.client, globbed, {
      bound_service_account_names: 'work*',
      bound_service_account_namespaces: 'app*',
    });
    expect((await login(ctx.client, globbed, cluster.issue(worker))).status).toBe(200);
    expect((await login(ctx.client, globbed, cluster.issue(web))).body.errors).toEqual([
      'service account name not authorized',
    ]);
  });

  it('refuses a login from outside the role’s token_bound_cidrs with "permission denied"', async () => {
    const name = fresh('cidr');
    await writeRole(ctx.client, name, {
      bound_service_account_names: 'web',
      bound_service_account_namespaces: 'apps',
      token_bound_cidrs: '10.0.0.0/8',
    });
    const r = await login(ctx.client, name, cluster.issue(web));
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ['permission denied'] });
    await writeRole(ctx.client, name, { token_bound_cidrs: '127.0.0.0/8' });
    expect((await login(ctx.client, name, cluster.issue(web))).status).toBe(200);
  });

  it('refuses a token the cluster no longer vouches for with a bare "permission denied"', async () => {
    const jwt = cluster.issue(web);
    cluster.revoked.add(jwt);
    const r = await login(ctx.client, role, jwt);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ['permission denied'] });
  });

  it('refuses a forged token (signed by another key) when the cluster does not confirm it', async () => {
    const forged = cluster.issue(web, { key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey });
    const r = await login(ctx.client, role, forged);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ['permission denied'] });
  });

  it('refuses a token for another audience or an expired one with the validator text', async () => {
    const aud = await login(ctx.client, role, cluster.issue(web, { aud: ['other'] }));
    expect(aud.status).toBe(403);
    expect(aud.body.errors).toEqual([
      'invalid audience (aud) claim: audience claim does not match any expected audience',
    ]);
    const expired = await login(ctx.client, role, cluster.issue(web, { expiresIn: -3600 }));
    expect(expired.status).toBe(403);
    expect(expired.body.errors).toEqual(['invalid expiration time (exp) claim: token is expired']);
  });

  it('answers missing fields and unknown roles with 400, and a token that is no JWT with 403', async () => {
    expect((await ctx.client.post('auth/kubernetes/login', { jwt: 'x' }, { token: null })).body.errors).toEqual([
      'missing role',
    ]);
    expect((await ctx.client.post('auth/kubernetes/login', { role }, { token: null })).body.errors).toEqual([
      'missing jwt',
    ]);
    const unknown = await login(ctx.client, 'nope', cluster.issue(web));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual(['invalid role name "nope"']);
    const garbage = await login(ctx.client, role, 'not-a-jwt');
    expect(garbage.status).toBe(403);
    expect(garbage.body.errors).toEqual(['permission denied']);
  });

  it('renews a login token while its role exists, and refuses once the role is deleted', async () => {
    const name = fresh('renew');
    await writeRole(ctx.client, name, {
      bound_service_account_names: 'web',
      bound_service_account_namespaces: 'apps',
      token_ttl: 60,
    });
    const token = (await login(ctx.client, name, cluster.issue(web))).body.auth.client_token as string;
    const renewed = await ctx.client.post('auth/token/renew-self', {}, { token });
    expect(renewed.status).toBe(200);
    expect(renewed.body.auth.lease_duration).toBe(60);
    await ctx.client.delete(`auth/kubernetes/role/${name}`);
    const refused = await ctx.client.post('auth/token/renew-self', {}, { token });
    expect(refused.status).toBe(500);
    expect(refused.text).toContain(`role ${name} does not exist during renewal`);
  });

  it('matches a namespace through the role’s label selector, read from the cluster', async () => {
    cluster.namespaceLabels.set('team-a', { stage: 'prod' });
    cluster.namespaceLabels.set('team-b', { stage: 'dev' });
    const name = fresh('selector');
    await writeRole(ctx.client, name, {
      bound_service_account_names: 'web',
      bound_service_account_namespace_selector: '{"matchLabels":{"stage":"prod"}}',
    });
    const uid = randomUUID();
    expect((await login(ctx.client, name, cluster.issue({ namespace: 'team-a', name: 'web', uid }))).status).toBe(200);
    const other = await login(ctx.client, name, cluster.issue({ namespace: 'team-b', name: 'web', uid }));
    expect(other.status).toBe(403);
    expect(other.body.errors).toEqual(['namespace not authorized']);
  });
});

describe('auth/kubernetes with other configurations', () => {
  const vault = useVaultDev();
  const role = 'web';

  beforeAll(async () => {
    expect((await vault.client.post('sys/auth/kubernetes', { type: 'kubernetes' })).status).toBe(204);
    await writeRole(vault.client, role, {
      bound_service_account_names: 'web',
      bound_service_account_namespaces: 'apps',
    });
  });

  it('lets the login JWT review itself when no reviewer JWT is configured', async () => {
    await configure(vault.client, { token_reviewer_jwt: '' });
    const jwt = cluster.issue(web);
    cluster.reviews.length = 0;
    expect((await login(vault.client, role, jwt)).status).toBe(200);
    expect(cluster.reviews[0]?.authorization).toBe(`Bearer ${jwt}`);
  });

  it('checks signatures locally with pem_keys: a token from another key never reaches the cluster', async () => {
    await configure(vault.client, { pem_keys: [cluster.publicKeyPem] });
    expect((await login(vault.client, role, cluster.issue(web))).status).toBe(200);
    cluster.reviews.length = 0;
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const r = await login(vault.client, role, cluster.issue(web, { key: stranger }));
    expect(r.status).toBe(403);
    expect(r.body.errors).toEqual(['permission denied']);
    expect(cluster.reviews).toEqual([]);
  });

  it('refuses logins with "permission denied" when the cluster is unreachable', async () => {
    await configure(vault.client, { kubernetes_host: await closedPortAddress() });
    const r = await login(vault.client, role, cluster.issue(web));
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ['permission denied'] });
  });

  it('answers a login before any configuration with 500 "could not load backend configuration"', async () => {
    expect((await vault.client.post('sys/auth/k8s-new', { type: 'kubernetes' })).status).toBe(204);
    await vault.client.post('auth/k8s-new/role/web', {
      bound_service_account_names: 'web',
      bound_service_account_namespaces: 'apps',
    });
    const r = await vault.client.post('auth/k8s-new/login', { role: 'web', jwt: cluster.issue(web) }, { token: null });
    expect(r.status).toBe(500);
    expect(r.body.errors).toEqual(['could not load backend configuration']);
  });
});

describe('auth/kubernetes with -dev-data-dir', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the configuration (reviewer JWT included) and roles across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-dev-k8s-'));
    dirs.push(dir);
    const first = await startVaultDev({ dataDir: join(dir, 'vault'), rootToken: 'root' });
    const client = new VaultClient(first.address, 'root');
    expect((await client.post('sys/auth/kubernetes', { type: 'kubernetes' })).status).toBe(204);
    await configure(client);
    await writeRole(client, 'web', {
      bound_service_account_names: 'web',
      bound_service_account_namespaces: 'apps',
      token_policies: 'read-app',
    });
    const before = await login(client, 'web', cluster.issue(web));
    expect(before.status).toBe(200);
    await first.close();

    const second = await startVaultDev({ dataDir: join(dir, 'vault'), rootToken: 'root' });
    try {
      const again = new VaultClient(second.address, 'root');
      expect((await again.get('auth/kubernetes/config')).body.data.token_reviewer_jwt_set).toBe(true);
      expect((await again.get('auth/kubernetes/role/web')).body.data.token_policies).toEqual(['read-app']);
      cluster.reviews.length = 0;
      const after = await login(again, 'web', cluster.issue(web));
      expect(after.status, after.text).toBe(200);
      expect(after.body.auth.policies).toEqual(['default', 'read-app']);
      expect(after.body.auth.entity_id).toBe(before.body.auth.entity_id);
      expect(cluster.reviews[0]?.authorization).toBe(`Bearer ${cluster.reviewerToken}`);
    } finally {
      await second.close();
    }
  });
});

describe('auth/kubernetes against kube-dev', () => {
  it('logs in a pod’s service account with a TokenRequest token, reviewed by kube-dev over TLS', async () => {
    const kube = await startKubeDev({ namespaces: ['apps'] });
    try {
      // Node's fetch cannot be told which CA to trust: node:https with kube-dev's CA.
      const call = (method: string, path: string, body?: unknown) =>
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        new Promise<{ status: number; body: any }>((resolve, reject) => {
          const req = httpsRequest(
            `${kube.address}${path}`,
            {
              method,
              ca: kube.caCertPem,
              headers: { Authorization: `Bearer ${kube.adminToken}`, 'Content-Type': 'application/json' },
            },
            (res) => {
              let text = '';
              res.on('data', (c) => (text += c));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
            },
          );
          req.on('error', reject);
          req.end(body ? JSON.stringify(body) : undefined);
        });
      const sa = await call('POST', '/api/v1/namespaces/apps/serviceaccounts', { metadata: { name: 'web' } });
      expect(sa.status).toBe(201);
      const tr = await call('POST', '/api/v1/namespaces/apps/serviceaccounts/web/token', {
        spec: { audiences: ['vault'], expirationSeconds: 600 },
      });
      expect(tr.status).toBe(201);

      const mount = fresh('kube');
      expect((await ctx.client.post(`sys/auth/${mount}`, { type: 'kubernetes' })).status).toBe(204);
      const config = await ctx.client.post(`auth/${mount}/config`, {
        kubernetes_host: kube.address,
        kubernetes_ca_cert: kube.caCertPem,
        token_reviewer_jwt: kube.adminToken,
      });
      expect(config.status, config.text).toBe(204);
      await ctx.client.post(`auth/${mount}/role/web`, {
        bound_service_account_names: 'web',
        bound_service_account_namespaces: 'apps',
        audience: 'vault',
        token_policies: 'read-app',
      });
      const r = await ctx.client.post(
        `auth/${mount}/login`,
        { role: 'web', jwt: tr.body.status.token },
        { token: null },
      );
      expect(r.status, r.text).toBe(200);
      expect(r.body.auth.metadata).toMatchObject({
        service_account_name: 'web',
        service_account_namespace: 'apps',
        service_account_uid: sa.body.metadata.uid,
      });
      expect(r.body.auth.policies).toEqual(['default', 'read-app']);
    } finally {
      await kube.close();
    }
  });
});
