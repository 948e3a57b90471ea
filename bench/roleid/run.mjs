// RoleID read through the Secret API (GET /v1/apps/:app/clusters/:cluster/approle) against the same
// RoleID read straight from vault-dev with the API's own Vault token, measured in the same run.
// Usage: npm run build && node bench/roleid/run.mjs [--seconds N] [--connections N] [--warmup N] [--profile DIR]
// Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), or BENCH_POSTGRES_URL.
import { resolve } from 'node:path';
import { compareWithDirect } from '../support/load.mjs';
import { serverLatency } from '../support/server-latency.mjs';
import { call, option as opt } from '../support/processes.mjs';
import { summarizeProfile } from '../support/profile.mjs';
import { OWNER_GROUP, startBenchStack } from '../support/stack.mjs';

const duration = Number(opt('seconds', 10));
const connections = Number(opt('connections', 10));
const warmup = Number(opt('warmup', 3));
const profileDir = opt('profile', undefined);

const APP = 'myapp';
const CLUSTER = 'aws.stg';

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

  // The warm-up runs JIT, Prisma's connection pool and query cache, the JWKS cache, keep-alive sockets to Vault.
  await compareWithDirect(stack, {
    direct: { title: 'direct: vault-dev role-id read', url: directUrl, headers: directHeaders },
    viaApi: { title: 'Secret API: GET .../approle', url: apiUrl, headers: owner },
    seconds: duration,
    connections,
    warmup,
  });
  console.log(await serverLatency(stack, { method: 'GET', route: '/v1/apps/:app/clusters/:cluster/approle' }));
} finally {
  await stack?.stop();
}
if (profileDir) await summarizeProfile(resolve(profileDir));
