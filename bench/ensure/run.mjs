// Ensure of many apps' AppRoles from empty, then a second pass that must change nothing in Vault.
// Usage: npm run build && node bench/ensure/run.mjs [--apps N] [--clusters N] [--connections N]
// Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), or BENCH_POSTGRES_URL.
//
// Targets (issue 15): 1,000 apps × 2 clusters from empty in ≤ 60 s; the second pass in ≤ 10 s with
// 0 Vault writes. Vault writes are counted by vault-dev's own file audit device, not by the API.
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { call, option as opt } from '../support/processes.mjs';
import { startBenchStack } from '../support/stack.mjs';

const appCount = Number(opt('apps', 1000));
const clusterCount = Number(opt('clusters', 2));
const connections = Number(opt('connections', 10));

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

async function vaultWrites() {
  const lines = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean);
  return lines
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'request' && ['create', 'update', 'delete'].includes(e.request.operation)).length;
}

let stack;
try {
  stack = await startBenchStack({ label: 'ensure' });
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

  const before1 = await vaultWrites();
  const first = await pool(ensures);
  const writes1 = (await vaultWrites()) - before1;
  const changed1 = first.results.filter((r) => r.changed).length;

  const before2 = await vaultWrites();
  const second = await pool(ensures);
  const writes2 = (await vaultWrites()) - before2;
  const changed2 = second.results.filter((r) => r.changed).length;

  console.log(
    `\n${appCount} apps × ${clusterCount} clusters, ${connections} in flight (apps created in ${created.seconds.toFixed(1)} s)\n`,
  );
  console.log('| pass | ensures | seconds | ensures/s | changed | Vault writes |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [label, run, changed, writes] of [
    ['from empty', first, changed1, writes1],
    ['second pass', second, changed2, writes2],
  ]) {
    console.log(
      `| ${label} | ${ensures.length} | ${run.seconds.toFixed(1)} | ${(ensures.length / run.seconds).toFixed(0)} | ${changed} | ${writes} |`,
    );
  }
  if (writes2 !== 0) console.log(`\nsecond pass wrote to Vault ${writes2} times: it must write nothing`);
} finally {
  await stack?.stop();
  await rm(auditFile, { force: true });
}
