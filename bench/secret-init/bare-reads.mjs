// The baseline for run.mjs: the least a pod could do with plain fetch. Started ahead of time like
// secret-init, it reads the wrapping token from stdin, then looks it up, unwraps it, logs in, reads
// the N secrets in parallel (results discarded) and exits.
// Usage (by run.mjs): node bare-reads.mjs <vault address> <role id> <app> <N>
import { createInterface } from 'node:readline';

const [addr, roleId, app, count] = process.argv.slice(2);

async function v(path, { method = 'GET', headers = {}, body } = {}) {
  const res = await fetch(`${addr}/v1/${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status}`);
  return text ? JSON.parse(text) : undefined;
}

// Warm up as secret-init does while it waits (fetch loads its HTTP stack lazily, and a connection opens).
await v('sys/health');
process.stderr.write('ready\n');
const [token] = await createInterface({ input: process.stdin })
  [Symbol.asyncIterator]()
  .next()
  .then((r) => [r.value]);
await v('sys/wrapping/lookup', { method: 'POST', body: { token } });
const secretId = (await v('sys/wrapping/unwrap', { method: 'POST', headers: { 'X-Vault-Token': token } })).data
  .secret_id;
const login = await v('auth/approle/login', { method: 'POST', body: { role_id: roleId, secret_id: secretId } });
const headers = { 'X-Vault-Token': login.auth.client_token };
await Promise.all(Array.from({ length: Number(count) }, (_, i) => v(`secret/data/${app}/KEY_${i}`, { headers })));
process.exit(0);
