// secret-refresh, steady state: keeping 1 token + 20 leases alive (issue 12). The sidecar runs exactly as its image
// starts it — the Dockerfile's ENTRYPOINT, flags and bundle (apps/secret-refresh/scripts/launch.mjs reads it) —
// against vault-dev, with TTLs of 10 s so that the minute holds several renewals of every item.
//
// Reports, for the minute after it is ready: resident memory (VmRSS sampled every 250 ms: median and max, and the
// anonymous / file-backed split — heap and malloc versus the pages of the node binary it has touched) and the CPU
// time it used; start-up (spawn → every item looked up, spawn → first renewal); the exit on SIGTERM. Baselines in the
// same run: an idle `node -e` with the image's flags and one without; the ratios are against both. `uptime`'s load
// average at the start and the end, because this machine is shared and every number moves with it.
//
// --compare also runs, side by side and each with its own token and leases, the same bundle without the flags and
// the launch before issue 12 (`node dist/main.js`, the tsc output): before and after under the same load.
// --also "<node flags>" adds the bundle with other flags (a candidate for the ENTRYPOINT), compared the same way.
// Usage: npm run build -w @secret-api/secret-refresh && node bench/secret-refresh/run.mjs
//          [--seconds 60] [--leases 20] [--ttl 10] [--compare] [--also "--jitless --max-semi-space-size=1"]
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { imageLaunch } from '../../apps/secret-refresh/scripts/launch.mjs';
import { call, option, startChild, stopChild } from '../support/processes.mjs';

const seconds = Number(option('seconds', 60));
const leaseCount = Number(option('leases', 20));
const ttl = Number(option('ttl', 10));
const compare = process.argv.includes('--compare');
const also = option('also', undefined);
const TARGET_MIB = 48;
const ROLE = 'bench';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC_MAIN = join(ROOT, 'apps/secret-refresh/dist/main.js');
const IDLE = 'setInterval(() => {}, 1000)';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const launch = imageLaunch();
const shown = (args) => ['node', ...args.map((a) => (a.startsWith('/') ? relative(ROOT, a) : a))].join(' ');
const sidecars = [{ name: 'image', flags: true, args: [...launch.nodeArgs, launch.script, ...launch.args] }];
if (compare) {
  sidecars.push({ name: 'no flags', flags: false, args: [launch.script, ...launch.args] });
  sidecars.push({ name: 'before', flags: false, args: [TSC_MAIN] });
}
if (also !== undefined) {
  const flags = also.split(/\s+/).filter(Boolean);
  sidecars.push({ name: 'also', flags: false, args: [...flags, launch.script, ...launch.args] });
}
const baselines = [
  { name: 'idle, image flags', args: [...launch.nodeArgs, '-e', IDLE] },
  { name: 'idle, no flags', args: ['-e', IDLE] },
];
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
const loadAtStart = load();

const vault = await startChild('vault-dev');
const root = (path, opts = {}) =>
  call(`${vault.address}/v1/${path}`, { ...opts, headers: { 'X-Vault-Token': 'root', ...opts.headers } });
const dirs = [];
const children = [];

/** A token and `leaseCount` renewable AWS IAM-user leases (no database needed), written as secret-init would. */
async function leaseDir() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-secret-refresh-'));
  dirs.push(dir);
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
  const token_ = { accessor: created.auth.accessor, source: 'token', ttl, renewable: true, expiresAt: at(ttl) };
  const file = { version: 1, vaultAddr: vault.address, writtenAt: new Date(now).toISOString(), token: token_, leases };
  writeFileSync(join(dir, 'leases.json'), JSON.stringify(file), { mode: 0o600 });
  return dir;
}

/** VmRSS, RssAnon and RssFile in MiB; undefined once the process is gone. */
function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
    return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') };
  } catch {
    return undefined;
  }
}

/** User + system CPU time in ms. */
function cpuMs(pid) {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const after = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1).split(' ');
    return ((Number(after[11]) + Number(after[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

function startSidecar(variant, dir) {
  const t0 = performance.now();
  const child = spawn(process.execPath, variant.args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      SECRET_REFRESH_LEASE_DIR: dir,
      SECRET_REFRESH_PORT: '0',
      SECRET_REFRESH_LISTEN: '127.0.0.1',
    },
  });
  children.push(child);
  const run = { ...variant, child, renewals: 0, errors: 0, otherLines: 0, samples: [] };
  run.ready = new Promise((resolve) => {
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (!line.startsWith('{')) {
        run.otherLines++; // anything from Node itself (a warning about a flag) would show here
        return console.error(`[${variant.name}] ${line}`);
      }
      const l = JSON.parse(line);
      if (l.msg.startsWith('ready')) {
        run.readyMs ??= performance.now() - t0;
        resolve();
      }
      if (/ renewed$/.test(l.msg)) {
        run.firstRenewalMs ??= performance.now() - t0;
        run.renewals++;
      }
      if (l.level === 'error') {
        run.errors++;
        console.error(`[${variant.name}] ${line}`);
      }
    });
    child.on('exit', (code) => {
      if (code !== 0) console.error(`[${variant.name}] secret-refresh exited with ${code}`);
      resolve();
    });
  });
  return run;
}

try {
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
  const leaseDirs = [];
  for (let i = 0; i < sidecars.length; i++) leaseDirs.push(await leaseDir());

  const idle = baselines.map((b) => {
    const child = spawn(process.execPath, b.args, { stdio: 'ignore' });
    children.push(child);
    return { ...b, child, samples: [] };
  });
  const runs = sidecars.map((variant, i) => startSidecar(variant, leaseDirs[i]));
  await Promise.all(runs.map((r) => r.ready));

  // The minute after start-up: every sidecar is keeping its items alive (or has exited, which is reported).
  const cpuAtStart = runs.map((r) => cpuMs(r.child.pid));
  const renewalsAtStart = runs.map((r) => r.renewals);
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end && runs.some((r) => r.child.exitCode === null)) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (const p of [...runs, ...idle]) {
      const m = memory(p.child.pid);
      if (m) p.samples.push(m);
    }
  }
  const cpu = runs.map((r, i) => cpuMs(r.child.pid) - cpuAtStart[i]);
  const renewals = runs.map((r, i) => r.renewals - renewalsAtStart[i]);

  const stops = await Promise.all(
    runs.map(async (r) => {
      const at = performance.now();
      r.child.kill('SIGTERM');
      const [code] = r.child.exitCode === null ? await once(r.child, 'exit') : [r.child.exitCode];
      return { code, ms: performance.now() - at };
    }),
  );

  const stats = (samples, key) => {
    const xs = samples.map((s) => s[key]).sort((a, b) => a - b);
    return { median: xs[Math.floor(xs.length / 2)] ?? NaN, max: xs.at(-1) ?? NaN };
  };
  const f = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
  const [withFlags, plain] = idle.map((b) => stats(b.samples, 'rss'));
  const split = (samples) =>
    `anonymous ${f(stats(samples, 'anon').median)} MiB, file-backed ${f(stats(samples, 'file').median)} MiB`;
  console.log(
    `secret-refresh: 1 token + ${leaseCount} leases, TTL ${ttl}s, ${seconds}s after ready (Node ${process.version})`,
  );
  console.log(`  load average (uptime) at start: ${loadAtStart}; at the end: ${load()}`);
  for (const b of idle) {
    const rss = stats(b.samples, 'rss');
    console.log(
      `  baseline ${b.name} (${shown(b.args.slice(0, -1))} …): RSS median ${f(rss.median)} MiB; ${split(b.samples)}`,
    );
  }
  runs.forEach((r, i) => {
    const rss = stats(r.samples, 'rss');
    const met = rss.max <= TARGET_MIB ? 'met' : 'MISSED';
    const ratios = [
      ...(r.flags ? [`to idle node with the same flags ${f(rss.median / withFlags.median, 2)}`] : []),
      `to plain idle node ${f(rss.median / plain.median, 2)}`,
    ];
    console.log(`  [${r.name}] ${shown(r.args)}`);
    console.log(
      `    RSS: median ${f(rss.median)} MiB, max ${f(rss.max)} MiB (target ≤ ${TARGET_MIB} MiB: ${met}); ${split(r.samples)}`,
    );
    console.log(`    ratio (median): ${ratios.join('; ')}`);
    console.log(
      `    start-up: ready after ${f(r.readyMs)} ms, first renewal after ${f(r.firstRenewalMs)} ms ` +
        `(due at about half the ${ttl}s TTL after the leases were issued, just before the spawn)`,
    );
    console.log(
      `    CPU: ${f(cpu[i], 0)} ms in ${seconds}s for ${renewals[i]} renewals; errors: ${r.errors}; ` +
        `lines not JSON: ${r.otherLines}; SIGTERM → exit ${stops[i].code} in ${f(stops[i].ms)} ms (revoking all)`,
    );
  });
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await stopChild(vault);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
