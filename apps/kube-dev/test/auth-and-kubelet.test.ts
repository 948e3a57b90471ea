/** Service-account tokens trusted through OIDC discovery, TokenReview, and init containers run as real processes. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandRunner, startKubeDev, type KubeDev } from '../src/index.js';
import { call } from './support/https.js';

let kube: KubeDev;

beforeAll(async () => {
  kube = await startKubeDev({ namespaces: ['apps'], runInitContainer: commandRunner(), restartBackoffMs: 200 });
  await call(kube, 'POST', '/api/v1/namespaces/apps/serviceaccounts', { metadata: { name: 'web' } });
});

afterAll(async () => {
  await kube.close();
});

// Listens on the pod IP until it is asked once, then exits 0.
const INIT_SCRIPT = `
const http = require('node:http');
const server = http.createServer((req, res) => { res.end('init ' + process.env.POD_NAME); server.close(); });
server.listen(8080, process.env.POD_IP);
`;

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

async function podWithInit(name: string) {
  const created = await call(kube, 'POST', '/api/v1/namespaces/apps/pods', {
    metadata: { name },
    spec: {
      serviceAccountName: 'web',
      initContainers: [
        {
          name: 'secret-init',
          image: 'secret-init:dev',
          command: [process.execPath, '-e', INIT_SCRIPT],
          env: [
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
        },
      ],
      containers: [{ name: 'app', image: 'app:1' }],
    },
  });
  expect(created.status).toBe(201);
  return created.body;
}

describe('service-account tokens', () => {
  it('issues pod-bound tokens that verify against the issuer JWKS from OIDC discovery', async () => {
    const pod = await podWithInit('bound');
    const discovery = await call(kube, 'GET', '/.well-known/openid-configuration', undefined, '');
    expect(discovery.body.issuer).toBe(kube.issuer);
    const jwks = await call(kube, 'GET', new URL(discovery.body.jwks_uri).pathname, undefined, '');
    const issued = await call(kube, 'POST', '/api/v1/namespaces/apps/serviceaccounts/web/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: ['vault'],
        expirationSeconds: 600,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound', uid: pod.metadata.uid },
      },
    });
    expect(issued.status).toBe(201);
    const { payload, protectedHeader } = await jwtVerify(issued.body.status.token, createLocalJWKSet(jwks.body), {
      issuer: kube.issuer,
      audience: 'vault',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe('system:serviceaccount:apps:web');
    expect(payload.aud).toEqual(['vault']);
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
    expect(payload['kubernetes.io']).toMatchObject({
      namespace: 'apps',
      serviceaccount: { name: 'web' },
      pod: { name: 'bound', uid: pod.metadata.uid },
      node: { name: 'kube-dev-node' },
    });
  });

  it('refuses tokens shorter than 10 minutes and pods of another service account', async () => {
    const short = await call(kube, 'POST', '/api/v1/namespaces/apps/serviceaccounts/web/token', {
      spec: { expirationSeconds: 60 },
    });
    expect(short.status).toBe(422);
    expect(short.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid' });
    await call(kube, 'POST', '/api/v1/namespaces/apps/pods', {
      metadata: { name: 'other' },
      spec: { containers: [{ name: 'a', image: 'a:1' }] },
    });
    const wrong = await call(kube, 'POST', '/api/v1/namespaces/apps/serviceaccounts/web/token', {
      spec: { boundObjectRef: { kind: 'Pod', name: 'other' } },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toBe(
      'cannot bind token for serviceaccount "web" to pod running with different serviceaccount name.',
    );
  });

  it('reviews tokens: a valid one names the service account and pod, a bad one is unauthenticated with 201', async () => {
    const pod = await podWithInit('reviewed');
    const issued = await call(kube, 'POST', '/api/v1/namespaces/apps/serviceaccounts/web/token', {
      spec: { audiences: ['vault'], boundObjectRef: { kind: 'Pod', name: 'reviewed', uid: pod.metadata.uid } },
    });
    const token = issued.body.status.token as string;
    const review = await call(kube, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      spec: { token, audiences: ['vault'] },
    });
    expect(review.status).toBe(201);
    expect(review.body.status).toMatchObject({
      authenticated: true,
      audiences: ['vault'],
      user: {
        username: 'system:serviceaccount:apps:web',
        groups: expect.arrayContaining(['system:serviceaccounts', 'system:serviceaccounts:apps']),
      },
    });
    expect(review.body.status.user.extra['authentication.kubernetes.io/pod-name']).toEqual(['reviewed']);

    const tampered = await call(kube, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      spec: { token: `${token}x` },
    });
    expect(tampered.status).toBe(201);
    expect(tampered.body.status.authenticated).toBeUndefined();
    expect(tampered.body.status.error).toBeTruthy();
    const empty = await call(kube, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: '' } });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toBe('token is required for TokenReview in authentication');

    // Deleting the bound pod invalidates the token.
    await call(kube, 'DELETE', '/api/v1/namespaces/apps/pods/reviewed?gracePeriodSeconds=0');
    const afterDelete = await call(kube, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      spec: { token, audiences: ['vault'] },
    });
    expect(afterDelete.body.status.error).toContain('has been deleted');
  });

  it('answers requests without a valid bearer token with 401 Unauthorized', async () => {
    const anonymous = await call(kube, 'GET', '/api/v1/namespaces', undefined, '');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });
});

describe('simulated kubelet', () => {
  it('runs an init container as a real process bound to the pod IP, then the pod is Running', async () => {
    await podWithInit('web-0');
    const read = async () => (await call(kube, 'GET', '/api/v1/namespaces/apps/pods/web-0')).body;
    await expect
      .poll(async () => (await read()).status.initContainerStatuses?.[0]?.state?.running !== undefined)
      .toBe(true);
    const pod = await read();
    expect(pod.status.phase).toBe('Pending');
    expect(pod.status.podIP).toMatch(/^127\.10\./);
    await expect
      .poll(async () => fetchText(`http://${pod.status.podIP}:8080/`).catch(() => ''), { timeout: 5000 })
      .toBe('init web-0');
    await expect.poll(async () => (await read()).status.phase, { timeout: 5000 }).toBe('Running');
    const running = await read();
    expect(running.status.initContainerStatuses[0].state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(running.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
  });

  it('runs a native sidecar beside the app, restarts it when it exits, and stops it when the pod is deleted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-dev-sidecar-'));
    try {
      // Answers with its pid; exits 3 when asked to; on SIGTERM leaves a mark and exits.
      const script = `
const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((req, res) => {
  if (req.url === '/exit') { res.end('bye'); setImmediate(() => process.exit(3)); return; }
  res.end(String(process.pid));
});
server.listen(8098, process.env.POD_IP);
process.on('SIGTERM', () => { fs.writeFileSync(process.env.MARK, 'stopped'); process.exit(0); });
`;
      const mark = join(dir, 'stopped');
      await call(kube, 'POST', '/api/v1/namespaces/apps/pods', {
        metadata: { name: 'with-sidecar' },
        spec: {
          serviceAccountName: 'web',
          initContainers: [
            {
              name: 'refresher',
              image: 'refresher:dev',
              restartPolicy: 'Always',
              command: [process.execPath, '-e', script],
              env: [
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'MARK', value: mark },
              ],
            },
          ],
          containers: [{ name: 'app', image: 'app:1' }],
        },
      });
      const read = async () => (await call(kube, 'GET', '/api/v1/namespaces/apps/pods/with-sidecar')).body;
      await expect.poll(async () => (await read()).status.phase, { timeout: 5000 }).toBe('Running');
      const url = `http://${(await read()).status.podIP}:8098`;
      await expect.poll(() => fetchText(`${url}/`).catch(() => ''), { timeout: 5000 }).toMatch(/^\d+$/);
      const firstPid = await fetchText(`${url}/`);
      const sidecarStatus = async () => (await read()).status.initContainerStatuses[0];
      expect(await sidecarStatus()).toMatchObject({ started: true, ready: true, restartCount: 0 });

      await fetchText(`${url}/exit`);
      await expect.poll(async () => (await sidecarStatus()).restartCount, { timeout: 5000 }).toBe(1);
      expect((await sidecarStatus()).lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
      await expect.poll(async () => (await sidecarStatus()).state.running !== undefined, { timeout: 5000 }).toBe(true);
      await expect.poll(() => fetchText(`${url}/`).catch(() => ''), { timeout: 5000 }).toMatch(/^\d+$/);
      expect(await fetchText(`${url}/`)).not.toBe(firstPid);
      expect((await read()).status.phase).toBe('Running');

      // A second exit backs off twice as long: the status still shows CrashLoopBackOff after the first wait.
      const secondPid = await fetchText(`${url}/`);
      await fetchText(`${url}/exit`);
      await expect.poll(async () => (await sidecarStatus()).restartCount, { timeout: 5000 }).toBe(2);
      const backingOff = Date.now();
      await expect.poll(async () => (await sidecarStatus()).state.running !== undefined, { timeout: 5000 }).toBe(true);
      expect(Date.now() - backingOff).toBeGreaterThanOrEqual(300);
      await expect.poll(() => fetchText(`${url}/`).catch(() => ''), { timeout: 5000 }).toMatch(/^\d+$/);
      expect(await fetchText(`${url}/`)).not.toBe(secondPid);

      expect((await call(kube, 'DELETE', '/api/v1/namespaces/apps/pods/with-sidecar')).status).toBe(200);
      await expect.poll(() => existsSync(mark), { timeout: 5000 }).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('deletes a pod gracefully: Terminating while its containers stop, SIGKILL for one still running at the grace period', async () => {
    // `polite` stops on SIGTERM after a moment of work; `stubborn` ignores SIGTERM. Each answers with its pid.
    const sidecar = (name: string, port: number, onTerm: string) => ({
      name,
      image: `${name}:dev`,
      restartPolicy: 'Always',
      command: [
        process.execPath,
        '-e',
        `require('node:http').createServer((q, r) => r.end(String(process.pid))).listen(${port}, process.env.POD_IP);
process.on('SIGTERM', () => { ${onTerm} });`,
      ],
      env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
    });
    const create = (name: string, grace: number, containers: object[]) =>
      call(kube, 'POST', '/api/v1/namespaces/apps/pods', {
        metadata: { name },
        spec: {
          serviceAccountName: 'web',
          terminationGracePeriodSeconds: grace,
          initContainers: containers,
          containers: [{ name: 'app', image: 'app:1' }],
        },
      });
    const read = async (name: string) => call(kube, 'GET', `/api/v1/namespaces/apps/pods/${name}`);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const pidOf = async (name: string, port: number) => {
      await expect.poll(async () => (await read(name)).body.status?.phase, { timeout: 5000 }).toBe('Running');
      const url = `http://${(await read(name)).body.status.podIP}:${port}/`;
      await expect.poll(() => fetchText(url).catch(() => ''), { timeout: 5000 }).toMatch(/^\d+$/);
      return Number(await fetchText(url));
    };

    await create('polite', 30, [sidecar('polite', 8097, 'setTimeout(() => process.exit(0), 600);')]);
    const politePid = await pidOf('polite', 8097);
    const deleted = Date.now();
    expect((await call(kube, 'DELETE', '/api/v1/namespaces/apps/pods/polite')).status).toBe(200);
    // Still there, Terminating, while the container finishes what SIGTERM started; gone once it has exited.
    const terminating = await read('polite');
    expect(terminating.status).toBe(200);
    expect(terminating.body.metadata.deletionTimestamp).toBeDefined();
    expect(terminating.body.metadata.deletionGracePeriodSeconds).toBe(30);
    await expect.poll(async () => (await read('polite')).status, { timeout: 5000 }).toBe(404);
    expect(Date.now() - deleted).toBeGreaterThanOrEqual(500);
    expect(alive(politePid)).toBe(false);

    await create('stubborn', 1, [sidecar('stubborn', 8096, '/* ignored */')]);
    const stubbornPid = await pidOf('stubborn', 8096);
    expect((await call(kube, 'DELETE', '/api/v1/namespaces/apps/pods/stubborn')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect((await read('stubborn')).status).toBe(200);
    expect(alive(stubbornPid)).toBe(true);
    await expect.poll(async () => (await read('stubborn')).status, { timeout: 5000 }).toBe(404);
    await expect.poll(() => alive(stubbornPid), { timeout: 3000 }).toBe(false);
  });

  it('marks a rollout whose pods never become ready ProgressDeadlineExceeded after progressDeadlineSeconds', async () => {
    const waitsForever = {
      name: 'wait',
      image: 'wait:1',
      command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
    };
    const created = await call(kube, 'POST', '/apis/apps/v1/namespaces/apps/deployments', {
      metadata: { name: 'stalled' },
      spec: {
        replicas: 1,
        progressDeadlineSeconds: 1,
        selector: { matchLabels: { app: 'stalled' } },
        template: {
          metadata: { labels: { app: 'stalled' } },
          spec: {
            serviceAccountName: 'web',
            initContainers: [waitsForever],
            containers: [{ name: 'app', image: 'a:1' }],
          },
        },
      },
    });
    expect(created.status).toBe(201);
    const progressing = async () =>
      (
        (await call(kube, 'GET', '/apis/apps/v1/namespaces/apps/deployments/stalled')).body.status?.conditions ?? []
      ).find((c: { type: string }) => c.type === 'Progressing');
    expect(await progressing()).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated' });
    await expect.poll(progressing, { timeout: 10_000 }).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: expect.stringMatching(/has timed out progressing/),
    });
    expect((await call(kube, 'DELETE', '/apis/apps/v1/namespaces/apps/deployments/stalled')).status).toBe(200);
  });

  it('rejects a pod whose service account does not exist with 403', async () => {
    const refused = await call(kube, 'POST', '/api/v1/namespaces/apps/pods', {
      metadata: { name: 'orphan' },
      spec: { serviceAccountName: 'nobody', containers: [{ name: 'a', image: 'a:1' }] },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'pods "orphan" is forbidden: error looking up service account apps/nobody: serviceaccount "nobody" not found',
    );
  });
});
