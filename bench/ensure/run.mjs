// Ensure of many apps' AppRoles from empty, then a second pass that must change nothing in Vault.
// Usage: npm run build && node bench/ensure/run.mjs [--apps N] [--clusters N] [--connections N] [--profile DIR]
// --profile DIR: both children (vault-dev and the Secret API) are CPU-profiled into DIR (cpu-profile.mjs), and their
// self time is summarised at the end (the profiler slows them: don't record those seconds). --profile-pass second
// profiles the second pass alone (default: the whole run).
// Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), or BENCH_POSTGRES_URL.
//
// Baseline, measured in the same run just before each pass: what any ensure must do at least, sent straight to
// vault-dev with the API's own token, for other apps' objects (`direct-NNNN`) — from empty, both policies then
// the AppRole and token role (in parallel within each step) and the RoleID; unchanged, the four objects and the
// RoleID read in parallel. The ratio column is the API's seconds over the baseline's.
//
// Targets (issue 15): 1,000 apps × 2 clusters from empty in ≤ 60 s; the second pass in ≤ 10 s with
// 0 Vault writes. Vault writes are counted by vault-dev's own file audit device, not by the API.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { call, option as opt } from '../support/processes.mjs';
import { DEFAULT_TEMPLATE, renderVaultObjects } from '../../libs/vault-policy/dist/index.js';
import { startBenchStack } from '../support/stack.mjs';
import { summarizeProfile } from '../support/profile.mjs';

const appCount = Number(opt('apps', 1000));
const clusterCount = Number(opt('clusters', 2));
const connections = Number(opt('connections', 10));
const profileDir = opt('profile', undefined);
const profilePass = opt('profile-pass', 'all');

const CLUSTERS = ['aws.stg', 'aws.prd', 'gcp.stg', 'gcp.prd'].slice(0, clusterCount);
const auditFile = join(tmpdir(), `bench-ensure-audit-${randomBytes(4).toString('hex')}.log`);

/** Runs `jobs` with at most `connections` in flight; returns the seconds taken and the answers. */
async function pool(jobs) {
  const started = performance.now();
  const results = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, results };
}

/** CPU seconds (user + system) a child has used so far, from /proc/<pid>/stat (Linux). */
async function cpuSeconds(child) {
  const fields = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs one pass of `jobs`, with the Vault writes it caused and the CPU each child spent on it. */
async function measuredPass(jobs, children) {
  const writesBefore = await vaultWrites();
  const cpuBefore = await Promise.all(children.map(cpuSeconds));
  const run = await pool(jobs);
  const cpu = (await Promise.all(children.map(cpuSeconds))).map((c, i) => c - cpuBefore[i]);
  return {
    ...run,
    writes: (await vaultWrites()) - writesBefore,
    changed: run.results.filter((r) => r.changed).length,
    cpu,
    load: load(),
  };
}

async function vaultWrites() {
  const lines = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean);
  return lines
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'request' && ['create', 'update', 'delete'].includes(e.request.operation)).length;
}

/** One job per (app, cluster) doing the Vault calls an ensure cannot avoid, straight to vault-dev. */
function directJobs(vault, token, apps, mode) {
  const send = async (method, path, body) => {
    const res = await fetch(`${vault}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
      ...(body && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return apps.flatMap((app) =>
    CLUSTERS.map((cluster) => async () => {
      const o = renderVaultObjects(app, cluster, DEFAULT_TEMPLATE, { kvMount: 'secret', approleMount: 'approle' });
      const roleId = `${o.approle.path}/role-id`;
      if (mode === 'create') {
        await Promise.all([o.readPolicy, o.getSecretIdPolicy].map((p) => send('POST', p.path, { policy: p.hcl })));
        await Promise.all([o.approle, o.tokenRole].map((r) => send('POST', r.path, r.body)));
        await send('GET', roleId);
      } else {
        const paths = [o.readPolicy.path, o.getSecretIdPolicy.path, o.approle.path, o.tokenRole.path, roleId];
        await Promise.all(paths.map((path) => send('GET', path)));
      }
      return {};
    }),
  );
}

/** The 1-, 5- and 15-minute load averages, as `uptime` prints them: every number is read against them. */
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

let stack;
try {
  // The environment reaches both children (startChild passes it on); the parent is already running.
  if (profileDir) {
    await mkdir(resolve(profileDir), { recursive: true });
    process.env.NODE_OPTIONS = `--import=${fileURLToPath(new URL('./cpu-profile.mjs', import.meta.url))}`;
    process.env.BENCH_CPU_PROF_DIR = resolve(profileDir);
    if (profilePass === 'second') process.env.BENCH_CPU_PROF_ON_SIGNAL = '1';
  }
  stack = await startBenchStack({ label: 'ensure' });
  delete process.env.NODE_OPTIONS;
  const { vault, api, admin } = stack;
  await call(`${vault.address}/v1/sys/audit/file`, {
    method: 'POST',
    headers: { 'X-Vault-Token': 'root' },
    body: { type: 'file', options: { file_path: auditFile } },
  });
  for (const name of CLUSTERS) {
    await call(`${api.address}/v1/clusters`, {
      method: 'POST',
      headers: admin,
      body: { name, controllerSubjects: ['system:serviceaccount:vault-agent:controller'] },
    });
  }
  const apps = Array.from({ length: appCount }, (_, i) => `app-${String(i).padStart(4, '0')}`);
  const created = await pool(
    apps.map(
      (name) => () =>
        call(`${api.address}/v1/apps`, { method: 'POST', headers: admin, body: { name, ownerGroups: ['team-a'] } }),
    ),
  );
  const ensures = apps.flatMap((app) =>
    CLUSTERS.map(
      (cluster) => () =>
        call(`${api.address}/v1/apps/${app}/clusters/${cluster}/approle`, { method: 'PUT', headers: admin }),
    ),
  );

  const directApps = apps.map((app) => app.replace(/^app-/, 'direct-'));
  const load0 = load();
  const children = [stack.api.child, stack.vault.child];
  const direct1 = await measuredPass(directJobs(vault.address, stack.apiToken, directApps, 'create'), children);
  const first = await measuredPass(ensures, children);
  if (profileDir && profilePass === 'second') for (const child of children) child.kill('SIGUSR2');
  const direct2 = await measuredPass(directJobs(vault.address, stack.apiToken, directApps, 'read'), children);
  const second = await measuredPass(ensures, children);

  console.log(
    `\n${appCount} apps × ${clusterCount} clusters, ${connections} in flight (apps created in ${created.seconds.toFixed(1)} s)\n`,
  );
  console.log(
    '| pass | ensures | seconds | ensures/s | changed | Vault writes | API CPU ms/ensure | vault-dev CPU ms/ensure | seconds vs direct | load average at the end |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const [label, run, base] of [
    ['direct: from empty', direct1, direct1],
    ['from empty', first, direct1],
    ['direct: unchanged', direct2, direct2],
    ['second pass', second, direct2],
  ]) {
    const [apiCpu, vaultCpu] = run.cpu.map((s) => ((1000 * s) / ensures.length).toFixed(1));
    const changed = run === first || run === second ? run.changed : '–';
    console.log(
      `| ${label} | ${ensures.length} | ${run.seconds.toFixed(1)} | ${(ensures.length / run.seconds).toFixed(0)} | ${changed} | ${run.writes} | ${apiCpu} | ${vaultCpu} | ${(run.seconds / base.seconds).toFixed(1)} | ${run.load} |`,
    );
  }
  console.log(`\nload average before the first pass: ${load0}`);
  if (first.changed !== ensures.length) {
    console.log(`first pass changed ${first.changed} of ${ensures.length}: it must change all`);
    process.exitCode = 1;
  }
  if (second.changed !== 0 || second.writes !== 0) {
    console.log(
      `second pass changed ${second.changed} and wrote to Vault ${second.writes} times: it must change and write nothing`,
    );
    process.exitCode = 1;
  }
} finally {
  const pids = { 'vault-dev': stack?.vault?.child.pid, 'secret-api': stack?.api?.child.pid };
  await stack?.stop();
  await rm(auditFile, { force: true });
  if (profileDir)
    for (const [name, pid] of Object.entries(pids)) await summarizeProfile(resolve(profileDir), { name, pid });
}
