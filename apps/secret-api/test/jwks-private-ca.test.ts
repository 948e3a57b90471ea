/**
 * An issuer whose JWKS is served over https by a private CA — a Kubernetes API server's service-account issuer is
 * the usual case — is trusted through `jwksCaFile`: with it, its tokens are accepted; without it, the keys cannot
 * be fetched and the API answers 503 (the token may well be fine), never 401 or 500.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startKubeDev, type KubeDev } from 'kube-dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthIssuers } from '../src/auth/issuers.js';
import { parseConfig } from '../src/config/env.js';
import { startSecretApi, StartupError } from '../src/server.js';
import { ApiClient } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

const NAMESPACE = 'platform';
const SERVICE_ACCOUNT = 'secret-controller';

let kube: KubeDev;
let stack: Stack;
let dir: string;
let caFile: string;
let token: string;

/** AUTH_ISSUERS with the test's own issuer and the cluster's, whose JWKS is fetched over https. */
function issuers(kubeEntry: Record<string, unknown>): string {
  return JSON.stringify([
    { ...stack.issuer.issuerConfig(), subjectPrefix: 'test:' },
    {
      issuer: kube.issuer,
      jwksUri: kube.jwksUri,
      audience: 'secret-api',
      subjectPrefix: 'k8s:',
      groupsRequired: false,
      ...kubeEntry,
    },
  ]);
}

const quiet = () => new Writable({ write: (_chunk, _enc, done) => done() });

async function startApi(authIssuers: string) {
  return startSecretApi(parseConfig({ ...stack.env, AUTH_ISSUERS: authIssuers }), {
    logDestination: quiet(),
    defaultMetrics: false,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secret-api-jwks-ca-'));
  kube = await startKubeDev({ namespaces: [NAMESPACE] });
  caFile = join(dir, 'cluster-ca.pem');
  await writeFile(caFile, kube.caCertPem);
  // A projected service-account token, as a controller in that cluster holds.
  const headers = { Authorization: `Bearer ${kube.adminToken}`, 'Content-Type': 'application/json' };
  const post = (path: string, body: unknown) =>
    new Promise<{ status: { token: string } }>((resolve, reject) => {
      const req = request(`${kube.address}${path}`, { method: 'POST', headers, ca: kube.caCertPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  await post(`/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, { metadata: { name: SERVICE_ACCOUNT } });
  const tokenRequest = await post(`/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${SERVICE_ACCOUNT}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: ['secret-api'], expirationSeconds: 3600 },
  });
  token = tokenRequest.status.token;
  stack = await startStack('jwks_private_ca');
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await kube?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a JWKS served over https by a private CA (jwksCaFile)', () => {
  it("accepts the cluster's service-account tokens when the issuer names its CA", async () => {
    const api = await startApi(issuers({ jwksCaFile: caFile }));
    try {
      const whoami = await new ApiClient(api.url, token).call('GET', '/v1/whoami');
      expect(whoami.status, whoami.text).toBe(200);
      expect(whoami.body.principal).toBe(`k8s:system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`);
    } finally {
      await api.close();
    }
  });

  it('without the CA the keys cannot be fetched: 503 naming the issuer, not 401', async () => {
    const api = await startApi(issuers({}));
    try {
      const whoami = await new ApiClient(api.url, token).call('GET', '/v1/whoami');
      expect(whoami.status, whoami.text).toBe(503);
      expect(whoami.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(whoami.body.detail).toContain(kube.issuer);
      expect(whoami.text).not.toContain(token);
    } finally {
      await api.close();
    }
  });

  it('refuses to start on a missing CA file or one without a certificate, naming the issuer and the file', async () => {
    await expect(startApi(issuers({ jwksCaFile: join(dir, 'nope.pem') }))).rejects.toThrow(StartupError);
    await expect(startApi(issuers({ jwksCaFile: join(dir, 'nope.pem') }))).rejects.toThrow(
      new RegExp(`AUTH_ISSUERS: issuer ${kube.issuer}: jwksCaFile .*nope\\.pem cannot be read \\(ENOENT\\)`),
    );
    const notPem = join(dir, 'not-pem.pem');
    await writeFile(notPem, 'just some text\n');
    await expect(startApi(issuers({ jwksCaFile: notPem }))).rejects.toThrow(/jwksCaFile .*not-pem\.pem holds no PEM/);
    const broken = join(dir, 'broken.pem');
    await writeFile(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    await expect(startApi(issuers({ jwksCaFile: broken }))).rejects.toThrow(
      /broken\.pem: certificate 1 is not a valid X\.509 certificate/,
    );
  });

  it('refuses jwksCaFile beside a jwksFile or an http jwksUri', () => {
    expect(() =>
      parseAuthIssuers(
        JSON.stringify([{ issuer: 'https://k', jwksFile: '/k.json', jwksCaFile: '/ca.pem', audience: 'a' }]),
      ),
    ).toThrow(/jwksCaFile is only for an https jwksUri/);
    expect(() =>
      parseAuthIssuers(
        JSON.stringify([{ issuer: 'https://k', jwksUri: 'http://k/jwks', jwksCaFile: '/ca.pem', audience: 'a' }]),
      ),
    ).toThrow(/jwksCaFile is only for an https jwksUri/);
  });
});
