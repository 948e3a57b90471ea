// vault-dev throughput and latency against a trivial node:http server measured in the same run.
// Usage: npm run build && node bench/vault-dev/run.mjs [--seconds N] [--connections N]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const duration = opt('seconds', 10);
const connections = opt('connections', 10);

async function startChild(kind) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./servers.mjs', import.meta.url)), kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { child, address: JSON.parse(line).address };
}

async function vaultCall(address, method, path, body) {
  const res = await fetch(`${address}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': 'root', 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function load(title, url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method, headers, body, duration, connections, title }, (err, result) => {
      if (err) return reject(err);
      if (result.non2xx > 0) return reject(new Error(`${title}: ${result.non2xx} non-2xx responses`));
      resolve({
        title,
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        requests: result.requests.total,
      });
    });
  });
}

const baseline = await startChild('baseline');
const vault = await startChild('vault-dev');
try {
  // Fixtures: a KV v2 secret, and an AppRole whose SecretID has unlimited uses so each request is a full login.
  await vaultCall(vault.address, 'POST', 'secret/data/bench/app', { data: { password: 'p', user: 'u' } });
  await vaultCall(vault.address, 'POST', 'sys/auth/approle', { type: 'approle' });
  await vaultCall(vault.address, 'POST', 'auth/approle/role/bench', {
    token_policies: ['default'],
    secret_id_num_uses: 0,
    token_ttl: '5m',
  });
  const roleId = (await vaultCall(vault.address, 'GET', 'auth/approle/role/bench/role-id')).data.role_id;
  const secretId = (await vaultCall(vault.address, 'POST', 'auth/approle/role/bench/secret-id', {})).data.secret_id;
  const loginBody = JSON.stringify({ role_id: roleId, secret_id: secretId });

  const results = [];
  results.push(await load('baseline: node:http fixed JSON', `${baseline.address}/v1/secret/data/bench/app`));
  results.push(
    await load('vault-dev: KV v2 read', `${vault.address}/v1/secret/data/bench/app`, {
      headers: { 'X-Vault-Token': 'root' },
    }),
  );
  results.push(
    await load('vault-dev: AppRole login', `${vault.address}/v1/auth/approle/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: loginBody,
    }),
  );

  const base = results[0];
  console.log(`\n${duration}s per run, ${connections} connections, same machine, same run\n`);
  console.log('| workload | req/s | p50 ms | p99 ms | throughput vs baseline |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.title} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.rps / base.rps).toFixed(2)} |`);
  }
} finally {
  baseline.child.kill();
  vault.child.kill();
}
