// secret-refresh, steady state: keeping 1 token + 20 leases alive. Reports the sidecar's resident
// memory (VmRSS sampled every 250 ms; steady state = the median and max over the second half of
// the run) against an idle `node -e` started in the same run (the baseline: Node's own floor),
// and the start-up time: spawn → every item looked up (ready), and spawn → first renewal.
// TTLs are 10 s so a minute holds several renewals of every item. Target: steady RSS ≤ 48 MiB.
// Usage: npm run build && node bench/secret-refresh/run.mjs [--seconds 60] [--leases 20] [--ttl 10]
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { call, option, startChild, stopChild } from '../support/processes.mjs';

const seconds = Number(option('seconds', 60));
const leaseCount = Number(option('leases', 20));
const ttl = Number(option('ttl', 10));
const TARGET_MIB = 48;
const MAIN = fileURLToPath(new URL('../../apps/secret-refresh/dist/main.js', import.meta.url));
const ROLE = 'bench';

const vault = await startChild('vault-dev');
const root = (path, opts = {}) =>
  call(`${vault.address}/v1/${path}`, { ...opts, headers: { 'X-Vault-Token': 'root', ...opts.headers } });
const dir = mkdtempSync(join(tmpdir(), 'bench-secret-refresh-'));
const children = [];

try {
  // AWS IAM-user leases: renewable, no database needed.
  await root('sys/mounts/aws', { method: 'POST', body: { type: 'aws' } });
  await root('aws/config/root', {
    method: 'POST',
    body: { access_key: 'AKIAROOT', secret_key: 'root-secret', region: 'eu-west-1' },
  });
  await root('aws/config/lease', { method: 'POST', body: { lease: `${ttl}s`, lease_max: '24h' } });
  await root(`aws/roles/${ROLE}`, {
    method: 'POST',
    body: { credential_type: 'iam_user', policy_arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
  });
  await root('sys/policies/acl/bench', {
    method: 'PUT',
    body: { policy: `path "aws/creds/${ROLE}" { capabilities = ["read"] }` },
  });
  const created = await root('auth/token/create', {
    method: 'POST',
    body: { ttl: `${ttl}s`, policies: ['default', 'bench'] },
  });
  const token = created.auth.client_token;
  const now = Date.now();
  const at = (s) => new Date(now + s * 1000).toISOString();
  const leases = [];
  for (let i = 0; i < leaseCount; i++) {
    const r = await call(`${vault.address}/v1/aws/creds/${ROLE}`, { headers: { 'X-Vault-Token': token } });
    leases.push({
      leaseId: r.lease_id,
      path: `aws/creds/${ROLE}`,
      ttl: r.lease_duration,
      renewable: r.renewable,
      expiresAt: at(r.lease_duration),
    });
  }
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  writeFileSync(
    join(dir, 'leases.json'),
    JSON.stringify({
      version: 1,
      vaultAddr: vault.address,
      writtenAt: new Date(now).toISOString(),
      token: { accessor: created.auth.accessor, source: 'token', ttl, renewable: true, expiresAt: at(ttl) },
      leases,
    }),
    { mode: 0o600 },
  );

  const baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(baseline);
  const t0 = performance.now();
  const sidecar = spawn(process.execPath, [MAIN], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      ...(process.env.SIDECAR_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SIDECAR_NODE_OPTIONS } : {}),
      SECRET_REFRESH_LEASE_DIR: dir,
      SECRET_REFRESH_PORT: '0',
      SECRET_REFRESH_LISTEN: '127.0.0.1',
    },
  });
  children.push(sidecar);
  let readyMs;
  let firstRenewalMs;
  let renewals = 0;
  let errors = 0;
  createInterface({ input: sidecar.stderr }).on('line', (line) => {
    if (!line.startsWith('{')) return console.error(line);
    const l = JSON.parse(line);
    if (l.msg.startsWith('ready')) readyMs ??= performance.now() - t0;
    if (/ renewed/.test(l.msg)) {
      firstRenewalMs ??= performance.now() - t0;
      renewals++;
    }
    if (l.level === 'error') {
      errors++;
      console.error(line);
    }
  });
  sidecar.on('exit', (code) => code !== 0 && code !== null && console.error(`secret-refresh exited with ${code}`));

  const samples = { sidecar: [], baseline: [] };
  const rss = (pid) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  };
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && sidecar.exitCode === null) {
    await new Promise((r) => setTimeout(r, 250));
    samples.sidecar.push(rss(sidecar.pid));
    samples.baseline.push(rss(baseline.pid));
  }
  const steady = (xs) => {
    const half = xs
      .slice(Math.floor(xs.length / 2))
      .filter((x) => x !== undefined)
      .sort((a, b) => a - b);
    return { median: half[Math.floor(half.length / 2)] ?? NaN, max: half.at(-1) ?? NaN };
  };
  const s = steady(samples.sidecar);
  const b = steady(samples.baseline);
  const stopAt = performance.now();
  sidecar.kill('SIGTERM');
  const [code] = await once(sidecar, 'exit');
  const f = (x) => x.toFixed(1);
  console.log(`secret-refresh: 1 token + ${leaseCount} leases, TTL ${ttl}s, ${seconds}s (Node ${process.version})`);
  console.log(
    `  start-up: ready after ${f(readyMs ?? NaN)} ms, first renewal after ${f(firstRenewalMs ?? NaN)} ms (half of the ${ttl}s TTL is the floor)`,
  );
  console.log(
    `  renewals: ${renewals}, errors: ${errors}, SIGTERM → exit ${code} in ${f(performance.now() - stopAt)} ms (revoking all)`,
  );
  console.log(
    `  steady RSS: median ${f(s.median)} MiB, max ${f(s.max)} MiB (target ≤ ${TARGET_MIB} MiB: ${s.max <= TARGET_MIB ? 'met' : 'MISSED'})`,
  );
  console.log(`  baseline (idle node -e): median ${f(b.median)} MiB, max ${f(b.max)} MiB`);
  console.log(`  ratio secret-refresh / baseline (median): ${(s.median / b.median).toFixed(2)}`);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await stopChild(vault);
  rmSync(dir, { recursive: true, force: true });
}
