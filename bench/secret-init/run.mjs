// secret-init, intake to exit: the time from the controller's POST of a response-wrapped SecretID
// to the init container's exit, for 20 templates that make 50 distinct lookups (each template
// reads 10 of them, so de-duplication matters too). The baseline, measured in the same run, is a
// bare script (bare-reads.mjs) doing the same Vault work straight with fetch — wrapping lookup,
// unwrap, AppRole login and the 50 reads in parallel — started ahead and timed from handing it the
// token to its exit, exactly like secret-init. Ratio = secret-init / baseline (lower is better).
// It also times each process from its start to the point it waits (secret-init listening on the intake port,
// the script ready): the module loading a pod pays before the controller can deliver.
// secret-init runs as the image runs it, through bin/secret-init.js, which loads the bundle
// (dist/secret-init.mjs); the benchmark refuses to start when that bundle is missing or stale.
// --compare FILE times another secret-init entry point the same way, interleaved (e.g. an older build's
// dist/main.js, for before/after numbers measured on the same machine at the same moment).
// Usage: npm run build -w @secret-api/secret-init && node bench/secret-init/run.mjs [--runs N] [--templates N]
//        [--lookups N] [--compare FILE]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { call, option, startChild, stopChild } from '../support/processes.mjs';

const runs = Number(option('runs', 15));
const compare = option('compare', undefined);
const templateCount = Number(option('templates', 20));
const lookupCount = Number(option('lookups', 50));
const perTemplate = 10;
const TARGET_SECONDS = 0.25;

const BIN = fileURLToPath(new URL('../../apps/secret-init/bin/secret-init.js', import.meta.url));
const DIST = new URL('../../apps/secret-init/dist/', import.meta.url);
const BARE = fileURLToPath(new URL('./bare-reads.mjs', import.meta.url));
const APP = 'benchapp';
const CLUSTER = 'aws.stg';
const ROLE = `${CLUSTER}.${APP}`;

assertBundleCurrent();
if (runs < 15) console.log(`(only ${runs} runs: medians of fewer than 15 runs say little on a shared machine)`);
const loadAtStart = loadavg();
const vault = await startChild('vault-dev');
const root = (path, opts = {}) =>
  call(`${vault.address}/v1/${path}`, { ...opts, headers: { 'X-Vault-Token': 'root', ...opts.headers } });

try {
  await root('sys/auth/approle', { method: 'POST', body: { type: 'approle' } });
  await root(`sys/policies/acl/read-${ROLE}`, {
    method: 'PUT',
    body: { policy: `path "secret/data/${APP}/*" { capabilities = ["read"] }` },
  });
  await root(`auth/approle/role/${ROLE}`, {
    method: 'POST',
    body: { token_policies: [`read-${ROLE}`], secret_id_num_uses: 1, secret_id_ttl: 300, token_period: 300 },
  });
  const roleId = (await root(`auth/approle/role/${ROLE}/role-id`)).data.role_id;
  for (let i = 0; i < lookupCount; i++) {
    await root(`secret/data/${APP}/KEY_${i}`, { method: 'POST', body: { data: { value: `value-${i}` } } });
  }
  const wrapped = async () =>
    (
      await root(`auth/approle/role/${ROLE}/secret-id`, {
        method: 'POST',
        body: {},
        headers: { 'X-Vault-Wrap-TTL': '60' },
      })
    ).wrap_info.token;

  // The pod's output volume is in memory (emptyDir medium: Memory): use tmpfs when there is one.
  const base = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'bench-secret-init-'));
  const configDir = join(base, 'config');
  mkdirSync(configDir);
  for (let t = 0; t < templateCount; t++) {
    const lines = [];
    for (let k = 0; k < perTemplate; k++) lines.push(`k${k} = {{ lookup "KEY_${(t * 7 + k * 3) % lookupCount}" }}`);
    writeFileSync(join(configDir, `t${t}.conf.tmpl`), `${lines.join('\n')}\n`);
  }

  async function secretInitOnce(i, program = BIN) {
    const out = join(base, `out-${i}`);
    const started = performance.now();
    const child = spawn(process.execPath, [program], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH,
        VAULT_ADDR: vault.address,
        VAULT_ROLE_ID: roleId,
        SECRET_INIT_APP: APP,
        SECRET_INIT_CLUSTER: CLUSTER,
        SECRET_INIT_LISTEN: '127.0.0.1',
        SECRET_INIT_PORT: '0',
        SECRET_INIT_CONFIG_DIR: configDir,
        SECRET_INIT_OUTPUT_DIR: out,
        SECRET_INIT_LEASE_DIR: join(out, '.leases'),
      },
    });
    const exited = once(child, 'exit');
    let port;
    for await (const line of createInterface({ input: child.stderr })) {
      const entry = JSON.parse(line);
      if (entry.msg === 'waiting for the SecretID') {
        port = entry.port;
        break;
      }
    }
    const listening = performance.now() - started;
    child.stderr.resume();
    const token = await wrapped();
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/secret-id`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ wrappingToken: token }),
    });
    const [code] = await exited;
    const ms = performance.now() - t0;
    if (res.status !== 204 || code !== 0) throw new Error(`secret-init run ${i}: HTTP ${res.status}, exit ${code}`);
    rmSync(out, { recursive: true, force: true });
    return { ms, listening };
  }

  async function baselineOnce() {
    const started = performance.now();
    const child = spawn(process.execPath, [BARE, vault.address, roleId, APP, String(lookupCount)], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const exited = once(child, 'exit');
    for await (const line of createInterface({ input: child.stderr })) if (line === 'ready') break;
    const ready = performance.now() - started;
    child.stderr.resume();
    const token = await wrapped();
    const t0 = performance.now();
    child.stdin.write(`${token}\n`);
    const [code] = await exited;
    if (code !== 0) throw new Error(`baseline exited ${code}`);
    return { ms: performance.now() - t0, listening: ready };
  }

  /** The same Vault calls in this process over warm keep-alive connections: a lower bound, Vault's own cost. */
  async function inProcessOnce() {
    const token = await wrapped();
    const v = (path, opts) => call(`${vault.address}/v1/${path}`, opts);
    const t0 = performance.now();
    await v('sys/wrapping/lookup', { method: 'POST', body: { token } });
    const unwrapped = await v('sys/wrapping/unwrap', { method: 'POST', headers: { 'X-Vault-Token': token } });
    const login = await v('auth/approle/login', {
      method: 'POST',
      body: { role_id: roleId, secret_id: unwrapped.data.secret_id },
    });
    const headers = { 'X-Vault-Token': login.auth.client_token };
    await Promise.all(Array.from({ length: lookupCount }, (_, i) => v(`secret/data/${APP}/KEY_${i}`, { headers })));
    return performance.now() - t0;
  }

  // One warm-up of each, then interleaved runs so all see the same machine.
  await secretInitOnce(-1);
  if (compare) await secretInitOnce(-2, compare);
  await baselineOnce();
  await inProcessOnce();
  const si = [];
  const other = [];
  const bl = [];
  const ip = [];
  for (let i = 0; i < runs; i++) {
    si.push(await secretInitOnce(i));
    if (compare) other.push(await secretInitOnce(runs + i, compare));
    bl.push(await baselineOnce());
    ip.push(await inProcessOnce());
  }
  const loadAtEnd = loadavg();
  rmSync(base, { recursive: true, force: true });

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ms = (x) => `${x.toFixed(1)} ms`;
  const spread = (xs) => `${ms(median(xs))} (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
  const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
  const siMedian = median(si.map((r) => r.ms));
  const blMedian = median(bl.map((r) => r.ms));
  const ipMedian = median(ip);
  console.log(`secret-init intake→exit, ${templateCount} templates, ${lookupCount} distinct lookups, ${runs} runs`);
  console.log(`  load average (1/5/15 min, as uptime): ${load(loadAtStart)} at start, ${load(loadAtEnd)} at end`);
  console.log(`  secret-init intake→exit : ${spread(si.map((r) => r.ms))}`);
  console.log(`  bare script token→exit  : ${spread(bl.map((r) => r.ms))} (same Vault calls with fetch)`);
  console.log(`  in-process floor        : ${spread(ip)} (same calls, warm connections, no process)`);
  console.log(`  ratio vs bare script    : ${(siMedian / blMedian).toFixed(2)}x`);
  console.log(`  ratio vs floor          : ${(siMedian / ipMedian).toFixed(2)}x`);
  console.log(`  start→listening         : secret-init ${spread(si.map((r) => r.listening))}`);
  console.log(`                            bare script ${spread(bl.map((r) => r.listening))} (start→ready)`);
  if (compare) {
    const otherMedian = median(other.map((r) => r.ms));
    console.log(`  compared (${compare})`);
    console.log(
      `    intake→exit           : ${spread(other.map((r) => r.ms))}, ratio vs bare script ${(otherMedian / blMedian).toFixed(2)}x`,
    );
    console.log(`    start→listening       : ${spread(other.map((r) => r.listening))}`);
    console.log(`    secret-init / compared: ${(siMedian / otherMedian).toFixed(2)}x intake→exit`);
  }
  console.log(
    `  target                  : median ≤ ${TARGET_SECONDS * 1000} ms → ${siMedian <= TARGET_SECONDS * 1000 ? 'met' : 'NOT met'}`,
  );
} finally {
  await stopChild(vault);
}

/** The bin runs the bundle only when it is current (else the unbundled program): measure what the image runs. */
function assertBundleCurrent() {
  const bundle = new URL('secret-init.mjs', DIST);
  const inputs = new URL('secret-init.inputs.json', DIST);
  const built = existsSync(bundle) && existsSync(inputs) ? statSync(bundle).mtimeMs : -1;
  const current =
    built >= 0 &&
    JSON.parse(readFileSync(inputs, 'utf8')).every((rel) => {
      const input = new URL(rel, DIST);
      return existsSync(input) && statSync(input).mtimeMs <= built;
    });
  if (!current) {
    console.error(
      'apps/secret-init/dist/secret-init.mjs is missing or stale: npm run build -w @secret-api/secret-init',
    );
    process.exit(1);
  }
}
