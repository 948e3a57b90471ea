/**
 * The real parts the controller works with, in one process: kube-dev (pods get loopback IPs; init containers run
 * as real processes or as in-process intakes), vault-dev with AppRole, a fresh PostgreSQL database, and the
 * Secret API trusting two issuers — a local one for the admin, and kube-dev's service-account issuer (its
 * JWKS written to a file: kube-dev serves https with its own CA, which the API's JWKS fetcher cannot be given).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
// The Secret API is one of the real parts the controller talks to: started in-process, as its own tests do.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  LocalIssuer,
  parseConfig as parseApiConfig,
  startSecretApi,
  type RunningSecretApi,
} from '@secret-api/secret-api';
import { createTestDatabase, type TestDatabase } from '@secret-api/testing';
import { commandRunner, startKubeDev, type InitContainerRun, type KubeDev } from 'kube-dev';
import { startVaultDev, type VaultDev } from 'vault-dev';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import { kubeconfigConnection } from '../../src/kube/connection.js';

export const CLUSTER = 'aws.stg';
export const CONTROLLER_NS = 'secret-system';
export const CONTROLLER_SA = 'secret-controller';
export const CONTROLLER_PRINCIPAL = `k8s:system:serviceaccount:${CONTROLLER_NS}:${CONTROLLER_SA}`;
export const SECRET_INIT_BIN = fileURLToPath(new URL('../../../secret-init/bin/secret-init.js', import.meta.url));
export const POD_NETWORK = fileURLToPath(new URL('./pod-network.mjs', import.meta.url));
const ADMIN_GROUP = 'platform-admins';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read field by field by tests
type Json = any;

/** An in-process init container: handles the intake POST itself (a test decides the answer). */
export type InProcessInit = (run: InitContainerRun) => Promise<number>;

/**
 * An in-process stand-in for secret-init's intake port: each delivery's JSON body goes to `answer`, whose status is
 * sent back; the "container" exits 0 after the first 2xx, as secret-init does once it has its SecretID.
 */
export function fakeIntake(answer: (delivery: Json, run: InitContainerRun) => number): InProcessInit {
  return (run) =>
    new Promise((resolve) => {
      const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const status = answer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json, run);
          res.writeHead(status).end();
          if (status >= 300) return;
          server.close();
          resolve(0);
        });
      });
      server.listen(8099, run.podIP);
    });
}

export interface Stack {
  kube: KubeDev;
  vault: VaultDev;
  api: RunningSecretApi;
  db: TestDatabase;
  dir: string;
  kubeconfig: string;
  /** The controller's Secret API token file (a projected service-account token). */
  tokenFile: string;
  k8s: KubeClient;
  /** Registers an in-process init container for pods whose init container command is `[name]`. */
  inProcess: Map<string, InProcessInit>;
  processOutput: string[];
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  vaultCall(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
    localAddress?: string,
  ): Promise<{ status: number; body: Json }>;
  ensureApp(app: string): Promise<string>;
  setSecret(path: string, key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

function requestJson(
  url: string,
  options: { method: string; headers?: Record<string, string>; body?: unknown; ca?: string; localAddress?: string },
): Promise<{ status: number; body: Json }> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const transport = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: options.method,
        headers: { 'Content-Type': 'application/json', ...options.headers },
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Json = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function startStack(label: string): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'secret-controller-test-'));
  const inProcess = new Map<string, InProcessInit>();
  const processOutput: string[] = [];
  const vault = await startVaultDev({ port: 0 });
  const kube = await startKubeDev({
    namespaces: ['apps', CONTROLLER_NS],
    // Watches end every 2 s, so the controller resumes them all the time.
    watchTimeoutSeconds: 2,
    restartBackoffMs: 200,
    runInitContainer: (run) => {
      const command = (run.container['command'] as string[] | undefined) ?? [];
      const handler = command.length === 1 ? inProcess.get(command[0] as string) : undefined;
      if (handler) return handler(run);
      return commandRunner({
        env: { NODE_OPTIONS: `--import=${POD_NETWORK}`, POD_IP: run.podIP },
        onOutput: (_c, chunk) => processOutput.push(chunk),
      })(run);
    },
  });
  const kubeconfig = kube.writeKubeconfig(join(dir, 'kubeconfig'));
  const k8s = new KubeClient(await kubeconfigConnection(kubeconfig));

  const vaultCall = (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = vault.rootToken,
    localAddress?: string,
  ) =>
    requestJson(`${vault.address}/v1/${path}`, {
      method,
      ...(token ? { headers: { 'X-Vault-Token': token } } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(localAddress ? { localAddress } : {}),
    });
  const enabled = await vaultCall('POST', 'sys/auth/approle', { type: 'approle' });
  if (enabled.status !== 204) throw new Error(`enabling approle failed: ${enabled.status}`);

  // kube-dev's service-account issuer, trusted through its JWKS written to a file.
  const jwks = await requestJson(kube.jwksUri, { method: 'GET', ca: kube.caCertPem });
  const jwksFile = join(dir, 'kube-jwks.json');
  await writeFile(jwksFile, JSON.stringify(jwks.body));
  const local = await LocalIssuer.create({ issuer: 'https://issuer.test.example', audience: 'secret-api', dir });
  const db = await createTestDatabase(label);
  const logs: string[] = [];
  const api = await startSecretApi(
    parseApiConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: vault.rootToken,
      HISTORY_HMAC_KEY: randomBytes(32).toString('base64'),
      ADMIN_GROUPS: ADMIN_GROUP,
      LOG_LEVEL: 'warn',
      AUTH_ISSUERS: JSON.stringify([
        { ...local.issuerConfig(), subjectPrefix: 'test:' },
        { issuer: kube.issuer, jwksFile, audience: 'secret-api', subjectPrefix: 'k8s:', groupsRequired: false },
      ]),
    }),
    {
      logDestination: new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(chunk.toString('utf8'));
          done();
        },
      }),
      defaultMetrics: false,
    },
  );
  const adminToken = await local.sign({ sub: 'alice@example.com', groups: [ADMIN_GROUP] });
  const admin = (method: string, path: string, body?: unknown) =>
    requestJson(`${api.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${adminToken}` },
      ...(body !== undefined ? { body } : {}),
    });

  // The platform team's grant: pods of namespace `apps` may run any app (namespace-grants.ts).
  await k8s.patch('/api/v1/namespaces/apps', { metadata: { annotations: { 'secret-api.dev/apps': '*' } } });

  // The controller's own identity: a service account, and a token for the Secret API's audience.
  await k8s.create(`/api/v1/namespaces/${CONTROLLER_NS}/serviceaccounts`, { metadata: { name: CONTROLLER_SA } });
  const tr = await k8s.create<KubeObject & { status: { token: string } }>(
    `/api/v1/namespaces/${CONTROLLER_NS}/serviceaccounts/${CONTROLLER_SA}/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: ['secret-api'], expirationSeconds: 3600 },
    },
  );
  const tokenFile = join(dir, 'secret-api-token');
  await writeFile(tokenFile, tr.status.token, { mode: 0o600 });
  const created = await admin('POST', '/v1/clusters', { name: CLUSTER, controllerSubjects: [CONTROLLER_PRINCIPAL] });
  if (created.status !== 201)
    throw new Error(`creating the cluster failed: ${created.status} ${JSON.stringify(created.body)}`);

  return {
    kube,
    vault,
    api,
    db,
    dir,
    kubeconfig,
    tokenFile,
    k8s,
    inProcess,
    processOutput,
    admin,
    vaultCall,
    async ensureApp(app) {
      const a = await admin('POST', '/v1/apps', { name: app, ownerGroups: ['team'] });
      if (a.status !== 201) throw new Error(`creating app ${app} failed: ${a.status}`);
      const r = await admin('PUT', `/v1/apps/${app}/clusters/${CLUSTER}/approle`);
      if (r.status !== 200)
        throw new Error(`ensuring the AppRole of ${app} failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.roleId as string;
    },
    async setSecret(path, key, value) {
      const r = await admin('PUT', `${path}/secrets/${key}`, { value });
      if (r.status !== 200) throw new Error(`setting ${key} failed: ${r.status} ${JSON.stringify(r.body)}`);
    },
    async close() {
      await api.close();
      await kube.close();
      await vault.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The controller's environment against this stack. */
export function controllerEnv(stack: Stack, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SECRET_CONTROLLER_CLUSTER: CLUSTER,
    SECRET_API_URL: stack.api.url,
    SECRET_API_TOKEN_FILE: stack.tokenFile,
    KUBECONFIG: stack.kubeconfig,
    SECRET_CONTROLLER_NAMESPACE: CONTROLLER_NS,
    SECRET_CONTROLLER_LEASE_SECONDS: '2',
    SECRET_CONTROLLER_RENEW_SECONDS: '0.3',
    SECRET_CONTROLLER_POLL_SECONDS: '0.5',
    SECRET_CONTROLLER_HEALTH_PORT: '0',
    SECRET_CONTROLLER_HEALTH_HOST: '127.0.0.1',
    SECRET_CONTROLLER_RETRY_BASE_MS: '50',
    SECRET_CONTROLLER_RETRY_MAX_MS: '1000',
    ...overrides,
  };
}
