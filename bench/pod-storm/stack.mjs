// The storm's stack, every part a process of its own as in production: vault-dev and the Secret API
// (bench/roleid/servers.mjs, the API holding only deploy/vault/secret-api.hcl), kube-dev (kube-dev-server.mjs), the
// pods' runtime (pod-runtime.mjs) and, started by run.mjs, the controller from its bin. A fresh PostgreSQL database;
// the API trusts a local issuer (the admin) and kube-dev's service-account issuer (the controller).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LocalIssuer } from '../../apps/secret-api/dist/index.js';
import { SERVER_URL, call, pgAdmin, startChild, stopChild } from '../support/processes.mjs';

export const CLUSTER = 'aws.stg';
export const APP = 'storm';
export const CONTROLLER_NS = 'secret-system';
const POLICY_FILE = fileURLToPath(new URL('../../deploy/vault/secret-api.hcl', import.meta.url));
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Starts `node script`; resolves once it printed its first line (JSON); `lines` yields the ones after it. */
export async function startScript(script, { env = {}, nodeArgs = [], onLine } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${script} exited with ${code} before it was ready`);
  });
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([once(lines, 'line'), exited]);
  exited.catch(() => {});
  if (onLine) lines.on('line', (line) => onLine(JSON.parse(line)));
  return { child, ...JSON.parse(first) };
}

/**
 * A JSON call to kube-dev (https, its own CA) that must succeed. A keep-alive socket the server closed just as it was
 * reused fails with ECONNRESET before the request was read: sent again, as Node's documentation advises.
 */
export async function kubeCall(kube, method, path, body) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await kubeRequest(kube, method, path, body);
    } catch (err) {
      if (!(err.reusedSocket && err.code === 'ECONNRESET') || attempt === 3) throw err;
    }
  }
}

function kubeRequest(kube, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${kube.address}${path}`,
      {
        method,
        ca: kube.caCertPem,
        agent: kube.agent,
        headers: { Authorization: `Bearer ${kube.adminToken}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode >= 300) return reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          resolve(text ? JSON.parse(text) : undefined);
        });
      },
    );
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * Starts everything but the controller; `stop()` undoes it, also after a failed start. `profile(name)` gives the
 * node arguments that write a CPU profile of that child into `profileDir`/<name>, when profiling.
 */
export async function startStormStack({ profileDir, onPod }) {
  const dir = await mkdtemp(join(tmpdir(), 'pod-storm-'));
  const dbName = `secret_api_bench_podstorm_${randomBytes(5).toString('hex')}`;
  const dbUrl = new URL(SERVER_URL);
  dbUrl.pathname = `/${dbName}`;
  const profile = (name) => (profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(profileDir, name)] : []);
  const stack = { dir, profile, kubeconfig: join(dir, 'kubeconfig'), tokenFile: join(dir, 'controller-token') };
  let dbCreated = false;
  stack.stop = async () => {
    for (const part of [stack.api, stack.kube, stack.pods, stack.vault]) await stopChild(part);
    stack.kube?.agent?.destroy();
    if (dbCreated) await pgAdmin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    stack.vault = await startChild('vault-dev', { nodeArgs: profile('vault-dev') });
    const vault = stack.vault.address;
    const asRoot = { 'X-Vault-Token': 'root' };
    await call(`${vault}/v1/sys/auth/approle`, { method: 'POST', headers: asRoot, body: { type: 'approle' } });
    await call(`${vault}/v1/sys/policies/acl/secret-api`, {
      method: 'POST',
      headers: asRoot,
      body: { policy: await readFile(POLICY_FILE, 'utf8') },
    });
    const apiToken = (
      await call(`${vault}/v1/auth/token/create`, {
        method: 'POST',
        headers: asRoot,
        body: { policies: ['secret-api'], period: '24h' },
      })
    ).auth.client_token;

    stack.pods = await startScript(here('./pod-runtime.mjs'), { nodeArgs: profile('pods'), onLine: onPod });
    stack.kube = await startScript(here('./kube-dev-server.mjs'), {
      env: { POD_RUNTIME_URL: stack.pods.address, KUBECONFIG_OUT: stack.kubeconfig },
      nodeArgs: profile('kube-dev'),
    });
    stack.kube.agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: stack.kube.caCertPem });
    const jwks = await kubeCall(stack.kube, 'GET', '/openid/v1/jwks');
    const jwksFile = join(dir, 'kube-jwks.json');
    await writeFile(jwksFile, JSON.stringify(jwks));

    await pgAdmin(`CREATE DATABASE "${dbName}"`);
    dbCreated = true;
    const issuer = await LocalIssuer.create({ issuer: 'https://issuer.bench.example', audience: 'secret-api', dir });
    const apiEnv = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl.toString(),
      VAULT_ADDR: vault,
      VAULT_TOKEN: apiToken,
      ADMIN_GROUPS: 'admins',
      LOG_LEVEL: 'warn',
      HISTORY_HMAC_KEY: randomBytes(32).toString('base64'),
      AUTH_ISSUERS: JSON.stringify([
        issuer.issuerConfig(),
        {
          issuer: stack.kube.issuer,
          jwksFile,
          audience: 'secret-api',
          subjectPrefix: 'k8s:',
          groupsRequired: false,
        },
      ]),
    };
    stack.api = await startChild('secret-api', {
      env: { BENCH_API_ENV: JSON.stringify(apiEnv) },
      nodeArgs: profile('secret-api'),
    });
    const admin = { Authorization: `Bearer ${await issuer.sign({ sub: 'bench', groups: ['admins'] })}` };
    const api = (method, path, body) => call(`${stack.api.address}${path}`, { method, headers: admin, body });

    // The controller's identity: a service account in its namespace, a token for the Secret API's audience.
    await kubeCall(stack.kube, 'POST', `/api/v1/namespaces/${CONTROLLER_NS}/serviceaccounts`, {
      metadata: { name: 'secret-controller' },
    });
    const tr = await kubeCall(
      stack.kube,
      'POST',
      `/api/v1/namespaces/${CONTROLLER_NS}/serviceaccounts/secret-controller/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: ['secret-api'], expirationSeconds: 3600 },
      },
    );
    await writeFile(stack.tokenFile, tr.status.token, { mode: 0o600 });
    await api('POST', '/v1/clusters', {
      name: CLUSTER,
      controllerSubjects: [`k8s:system:serviceaccount:${CONTROLLER_NS}:secret-controller`],
    });
    await api('POST', '/v1/apps', { name: APP, ownerGroups: ['team'] });
    stack.roleId = (await api('PUT', `/v1/apps/${APP}/clusters/${CLUSTER}/approle`)).roleId;
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
