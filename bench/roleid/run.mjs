// RoleID read through the Secret API (GET /v1/apps/:app/clusters/:cluster/approle) against the same
// RoleID read straight from vault-dev with the API's own Vault token, measured in the same run.
// Usage: npm run build && node bench/roleid/run.mjs [--seconds N] [--connections N] [--warmup N] [--profile DIR]
// Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), or BENCH_POSTGRES_URL.
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { call, option as opt } from '../support/processes.mjs';
import { summarizeProfile } from '../support/profile.mjs';
import { OWNER_GROUP, startBenchStack } from '../support/stack.mjs';

const duration = Number(opt('seconds', 10));
const connections = Number(opt('connections', 10));
const warmup = Number(opt('warmup', 3));
const profileDir = opt('profile', undefined);

const APP = 'myapp';
const CLUSTER = 'aws.stg';

function load(title, url, headers, seconds = duration) {
  return new Promise((resolveLoad, reject) => {
    autocannon({ url, headers, duration: seconds, connections, title }, (err, result) => {
      if (err) return reject(err);
      // A benchmark of 401s or 503s would measure the error path; refuse to report it.
      if (result.non2xx > 0 || result.errors > 0) {
        return reject(new Error(`${title}: ${result.non2xx} non-2xx responses, ${result.errors} errors`));
      }
      resolveLoad({ title, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
    });
  });
}

let stack;
try {
  stack = await startBenchStack({
    label: 'roleid',
    apiNodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(profileDir)] : [],
  });
  const { vault, api, admin, owner, apiToken } = stack;
  await call(`${api.address}/v1/clusters`, {
    method: 'POST',
    headers: admin,
    body: { name: CLUSTER, controllerSubjects: ['system:serviceaccount:vault-agent:controller'] },
  });
  await call(`${api.address}/v1/apps`, {
    method: 'POST',
    headers: admin,
    body: { name: APP, ownerGroups: [OWNER_GROUP] },
  });
  const approlePath = `/v1/apps/${APP}/clusters/${CLUSTER}/approle`;
  const ensured = await call(`${api.address}${approlePath}`, { method: 'PUT', headers: admin });

  const apiUrl = `${api.address}${approlePath}`;
  const directUrl = `${vault.address}/v1/auth/approle/role/${ensured.roleName}/role-id`;
  const directHeaders = { 'X-Vault-Token': apiToken };
  // Both paths must return the same RoleID, or the comparison is between different work.
  const viaApi = await call(apiUrl, { headers: owner });
  const direct = await call(directUrl, { headers: directHeaders });
  if (viaApi.roleId !== direct.data.role_id || viaApi.roleId !== ensured.roleId) {
    throw new Error(`RoleID mismatch: API ${viaApi.roleId}, Vault ${direct.data.role_id}, ensure ${ensured.roleId}`);
  }

  // Warm-up: JIT, Prisma's connection pool and query cache, the JWKS cache, keep-alive sockets to Vault.
  if (warmup > 0) {
    await load('warm-up direct', directUrl, directHeaders, warmup);
    await load('warm-up API', apiUrl, owner, warmup);
  }
  const base = await load('direct: vault-dev role-id read', directUrl, directHeaders);
  const viaApiResult = await load('Secret API: GET .../approle', apiUrl, owner);

  console.log(`\n${duration}s per run after ${warmup}s warm-up, ${connections} connections, same machine, same run\n`);
  console.log('| workload | req/s | p50 ms | p99 ms | throughput vs direct |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of [base, viaApiResult]) {
    console.log(`| ${r.title} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.rps / base.rps).toFixed(2)} |`);
  }
  console.log(
    `\nratio API / direct: throughput ${(viaApiResult.rps / base.rps).toFixed(2)}, ` +
      `p50 ${(viaApiResult.p50 / Math.max(base.p50, 1)).toFixed(1)}x, p99 ${(viaApiResult.p99 / Math.max(base.p99, 1)).toFixed(1)}x`,
  );
} finally {
  await stack?.stop();
}
if (profileDir) await summarizeProfile(resolve(profileDir));
