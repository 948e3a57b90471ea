// Pod storm: N pods created at once, each with an init container waiting for its SecretID, until every one
// has unwrapped it and logged in to Vault from its own pod IP. Prints the time and the controller's peak RSS
// (a separate process, sampled from /proc) against kubernetes-vault's reported 3–30 s for 80 pods.
// Target: 1,000 pods in ≤ 30 s with the controller at ≤ 80 MiB.
//
//   npm run build && npm run bench:pod-storm            # N = 100 and 1000
//   POD_STORM_SIZES=200 npm run bench:pod-storm
//
// The init containers are lightweight in-process intakes (kube-dev's runInitContainer hook): they do what
// secret-init does on the wire — unwrap, AppRole login from the pod IP — without starting 1,000 Node processes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { LocalIssuer, parseConfig, startSecretApi } from '@secret-api/secret-api';
import { createTestDatabase } from '@secret-api/testing';
import { startKubeDev } from 'kube-dev';
import { startVaultDev } from 'vault-dev';

const SIZES = (process.env.POD_STORM_SIZES ?? '100,1000').split(',').map(Number);
const CLUSTER = 'aws.stg';
const BIN = fileURLToPath(new URL('../../apps/secret-controller/bin/secret-controller.js', import.meta.url));

function call(url, { method = 'GET', headers = {}, body, ca, localAddress } = {}) {
  const transport = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method,
        headers: { 'Content-Type': 'application/json', ...headers },
        ca,
        localAddress,
        agent: url.startsWith('https:') ? keepAlive : false,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 32 });
const dir = mkdtempSync(join(tmpdir(), 'pod-storm-'));
let served = 0;
let failures = 0;
let roleId = '';
let vault;

/** The intake of one pod: the first POST is unwrapped and used to log in from the pod IP; then it exits. */
function intake(run) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', async () => {
        try {
          const { wrappingToken } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          const unwrapped = await call(`${vault.address}/v1/sys/wrapping/unwrap`, {
            method: 'POST',
            headers: { 'X-Vault-Token': wrappingToken },
            localAddress: run.podIP,
          });
          if (unwrapped.status !== 200) throw new Error(`unwrap ${unwrapped.status}`);
          const login = await call(`${vault.address}/v1/auth/approle/login`, {
            method: 'POST',
            body: { role_id: roleId, secret_id: unwrapped.body.data.secret_id },
            localAddress: run.podIP,
          });
          if (login.status !== 200) throw new Error(`login ${login.status}`);
          res.writeHead(204).end();
          served++;
          server.close();
          resolve(0);
        } catch {
          failures++;
          res.writeHead(502).end();
          server.close();
          resolve(1);
        }
      });
    });
    server.listen(8099, run.podIP);
    run.signal.addEventListener('abort', () => server.close());
  });
}

function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function main() {
  vault = await startVaultDev({ port: 0 });
  await call(`${vault.address}/v1/sys/auth/approle`, {
    method: 'POST',
    headers: { 'X-Vault-Token': vault.rootToken },
    body: { type: 'approle' },
  });
  const kube = await startKubeDev({ namespaces: ['apps', 'secret-system'], runInitContainer: intake });
  const kubeconfig = kube.writeKubeconfig(join(dir, 'kubeconfig'));
  const kubeCall = (method, path, body) =>
    call(`${kube.address}${path}`, {
      method,
      body,
      ca: kube.caCertPem,
      headers: { Authorization: `Bearer ${kube.adminToken}` },
    });

  const jwks = await call(kube.jwksUri, { ca: kube.caCertPem });
  writeFileSync(join(dir, 'kube-jwks.json'), JSON.stringify(jwks.body));
  const local = await LocalIssuer.create({ issuer: 'https://issuer.bench.example', audience: 'secret-api', dir });
  const db = await createTestDatabase('podstorm', { prefix: 'bench' });
  const api = await startSecretApi(
    parseConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: vault.rootToken,
      HISTORY_HMAC_KEY: randomBytes(32).toString('base64'),
      ADMIN_GROUPS: 'admins',
      LOG_LEVEL: 'warn',
      AUTH_ISSUERS: JSON.stringify([
        { ...local.issuerConfig(), subjectPrefix: 'test:' },
        {
          issuer: kube.issuer,
          jwksFile: join(dir, 'kube-jwks.json'),
          audience: 'secret-api',
          subjectPrefix: 'k8s:',
          groupsRequired: false,
        },
      ]),
    }),
    { logDestination: new Writable({ write: (_c, _e, done) => done() }), defaultMetrics: false },
  );
  const admin = `Bearer ${await local.sign({ sub: 'bench', groups: ['admins'] })}`;
  const apiCall = (method, path, body) =>
    call(`${api.url}${path}`, { method, body, headers: { Authorization: admin } });
  await kubeCall('POST', '/api/v1/namespaces/secret-system/serviceaccounts', {
    metadata: { name: 'secret-controller' },
  });
  const tr = await kubeCall('POST', '/api/v1/namespaces/secret-system/serviceaccounts/secret-controller/token', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: ['secret-api'], expirationSeconds: 3600 },
  });
  writeFileSync(join(dir, 'token'), tr.body.status.token, { mode: 0o600 });
  await apiCall('POST', '/v1/clusters', {
    name: CLUSTER,
    controllerSubjects: ['k8s:system:serviceaccount:secret-system:secret-controller'],
  });
  await apiCall('POST', '/v1/apps', { name: 'storm', ownerGroups: ['team'] });
  roleId = (await apiCall('PUT', `/v1/apps/storm/clusters/${CLUSTER}/approle`)).body.roleId;

  const controller = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env.PATH,
      SECRET_CONTROLLER_CLUSTER: CLUSTER,
      SECRET_API_URL: api.url,
      SECRET_API_TOKEN_FILE: join(dir, 'token'),
      KUBECONFIG: kubeconfig,
      SECRET_CONTROLLER_NAMESPACE: 'secret-system',
      SECRET_CONTROLLER_HEALTH_PORT: '0',
      SECRET_CONTROLLER_RETRY_BASE_MS: '50',
      SECRET_CONTROLLER_LOG_LEVEL: 'warn',
      POD_NAME: 'bench-controller',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.on('exit', () => controller.kill('SIGKILL'));
  // Leading and synced before the storm: the benchmark times deliveries, not start-up.
  for (;;) {
    const lease = await kubeCall(
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/secret-system/leases/secret-controller',
    );
    if (lease.status === 200 && lease.body.spec?.holderIdentity === 'bench-controller') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));

  console.log(`pod storm: controller pid ${controller.pid}, idle RSS ${rssMiB(controller.pid).toFixed(1)} MiB`);
  console.log(
    'baseline: kubernetes-vault reports 3–30 s for 80 pods; target 1,000 pods in ≤ 30 s, controller ≤ 80 MiB',
  );
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(controller.pid))), 50);
  for (const n of SIZES) {
    served = 0;
    failures = 0;
    const started = performance.now();
    const batch = `b${n}`;
    // All at once, as a `kubectl apply` of N pods would: 32 requests in flight against the API server.
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < n) {
          const i = next++;
          await kubeCall('POST', '/api/v1/namespaces/apps/pods', {
            metadata: { name: `${batch}-${i}`, annotations: { 'secret-api.dev/role': 'storm' } },
            spec: {
              initContainers: [{ name: 'secret-init', image: 'intake' }],
              containers: [{ name: 'app', image: 'app' }],
            },
          });
        }
      }),
    );
    const deadline = Date.now() + 120_000;
    while (served + failures < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `N=${n}: ${served} served, ${failures} failed in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)} pods/s; ` +
        `80 pods at this rate: ${((80 * seconds) / n).toFixed(2)} s vs 3–30 s) — controller peak RSS ${peak.toFixed(1)} MiB` +
        (n >= 1000 ? ` — target ${seconds <= 30 && peak <= 80 ? 'met' : 'NOT met'}` : ''),
    );
    await kubeCall('DELETE', '/api/v1/namespaces/apps/pods');
  }
  clearInterval(sampler);
  controller.kill('SIGTERM');
  await new Promise((r) => controller.once('exit', r));
  await api.close();
  await kube.close();
  await vault.close();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
