// Wrapped SecretID issuance through the Secret API (POST /v1/apps/:app/clusters/:cluster/secret-id,
// as the cluster's controller) against the same wrapped SecretID generation sent straight to
// vault-dev with the API's own Vault token, measured in the same run.
// Usage: npm run build && node bench/secret-id/run.mjs [--seconds N] [--connections N] [--warmup N] [--profile DIR]
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
const CONTROLLER = 'system:serviceaccount:vault-agent:controller';

let stack;
try {
  stack = await startBenchStack({
    label: 'secretid',
    apiNodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(profileDir)] : [],
  });
  const { vault, api, admin, apiToken, bearer } = stack;
  await call(`${api.address}/v1/clusters`, {
    method: 'POST',
    headers: admin,
    body: { name: CLUSTER, controllerSubjects: [CONTROLLER] },
  });
  await call(`${api.address}/v1/apps`, {
    method: 'POST',
    headers: admin,
    body: { name: APP, ownerGroups: [OWNER_GROUP] },
  });
  const ensured = await call(`${api.address}/v1/apps/${APP}/clusters/${CLUSTER}/approle`, {
    method: 'PUT',
    headers: admin,
  });
  const controller = await bearer(CONTROLLER, []);

  const apiUrl = `${api.address}/v1/apps/${APP}/clusters/${CLUSTER}/secret-id`;
  const directUrl = `${vault.address}/v1/auth/approle/role/${ensured.roleName}/secret-id`;
  // The API sends pod metadata too; the direct request carries the same amount.
  const metadata = { pod: 'myapp-7d9f-abcde', namespace: 'payments' };
  const apiBody = JSON.stringify({ metadata });
  const directBody = JSON.stringify({ metadata: JSON.stringify({ app: APP, cluster: CLUSTER, ...metadata }) });
  const directHeaders = { 'X-Vault-Token': apiToken, 'X-Vault-Wrap-TTL': '60s' };

  // Both paths must answer a wrapping token, or the comparison is between different work.
  const viaApi = await call(apiUrl, { method: 'POST', headers: controller, body: { metadata } });
  const direct = await call(directUrl, { method: 'POST', headers: directHeaders, body: JSON.parse(directBody) });
  if (typeof viaApi.wrappingToken !== 'string' || typeof direct.wrap_info?.token !== 'string') {
    throw new Error(`no wrapping token: API ${JSON.stringify(viaApi)}, Vault ${JSON.stringify(direct)}`);
  }

  const json = { 'content-type': 'application/json' };
  await compareWithDirect(stack, {
    direct: {
      title: 'direct: vault-dev wrapped SecretID',
      url: directUrl,
      method: 'POST',
      headers: { ...directHeaders, ...json },
      body: directBody,
    },
    viaApi: {
      title: 'Secret API: POST .../secret-id',
      url: apiUrl,
      method: 'POST',
      headers: { ...controller, ...json },
      body: apiBody,
    },
    seconds: duration,
    connections,
    warmup,
  });
  console.log(await serverLatency(stack, { method: 'POST', route: '/v1/apps/:app/clusters/:cluster/secret-id' }));
} finally {
  await stack?.stop();
}
if (profileDir) await summarizeProfile(resolve(profileDir));
