// A mixed load on the Secret API at the highest rate this machine sustains (a closed loop of
// concurrent clients): RoleID reads, sets of one hot key and of many cold keys, reads, lists,
// ensures and wrapped SecretIDs, for --seconds (default 60). It prints the figures issue 10 asks
// for: 5xx answers (must be 0), history rows against successful sets (must be equal, one row per
// set), and the API's RSS at the end against the start (must stay within 10%).
// Usage: npm run build && node bench/mixed-load/run.mjs [--seconds N] [--connections N] [--cold-keys N]
// Every key is written once before the warm-up, so the data set is the same size at the start and the end.
// Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), or BENCH_POSTGRES_URL.
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';
import { call, option as opt } from '../support/processes.mjs';
import { OWNER_GROUP, startBenchStack } from '../support/stack.mjs';

const seconds = Number(opt('seconds', 60));
const connections = Number(opt('connections', 32));
const coldKeys = Number(opt('cold-keys', 500));
const APPS = ['app-a', 'app-b', 'app-c'];
const CLUSTER = 'aws.stg';
const CONTROLLER = 'system:serviceaccount:secrets:controller';

async function rssMiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

// --heap-snapshots DIR: the API writes a heap snapshot there at the start and at the end of the measured run
// (open both in Chrome DevTools' Memory tab, "Comparison" view, to see what grew).
const snapshotDir = opt('heap-snapshots', '');
const apiNodeArgs = snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
const stack = await startBenchStack({ label: 'mixed', apiNodeArgs });
const snapshot = async () => {
  if (!snapshotDir) return;
  const before = new Set(await readdir(snapshotDir));
  stack.api.child.kill('SIGUSR2');
  // The snapshot is written synchronously by the API; wait until the file is complete (its name appears last).
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const done = (await readdir(snapshotDir)).filter((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (done.length > 0) return;
  }
};
const db = new pg.Client({ connectionString: stack.dbUrl });
try {
  const api = stack.api.address;
  const { admin, owner } = stack;
  const controller = await stack.bearer(CONTROLLER, []);
  const post = (path, body, headers = admin) => call(`${api}${path}`, { method: 'POST', headers, body });
  await post('/v1/clusters', { name: CLUSTER, controllerSubjects: [CONTROLLER] });
  for (const app of APPS) {
    await post('/v1/apps', { name: app, ownerGroups: [OWNER_GROUP] });
    await call(`${api}/v1/apps/${app}/clusters/${CLUSTER}/approle`, { method: 'PUT', headers: owner });
  }

  const value = () => `v-${randomBytes(12).toString('base64url')}`;
  const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
  // Each kind of request with its weight in the mix.
  const kinds = [
    {
      name: 'roleid read',
      weight: 30,
      send: () => ['GET', `/v1/apps/${pick(APPS)}/clusters/${CLUSTER}/approle`, owner],
    },
    { name: 'hot key set', weight: 10, send: () => ['PUT', `/v1/apps/app-a/secrets/HOT`, owner, { value: value() }] },
    {
      name: 'cold key set',
      weight: 20,
      send: () => [
        'PUT',
        `/v1/apps/${pick(APPS)}/secrets/K${Math.floor(Math.random() * coldKeys)}`,
        owner,
        { value: value() },
      ],
    },
    { name: 'secret list', weight: 10, send: () => ['GET', `/v1/apps/${pick(APPS)}/secrets`, owner] },
    { name: 'history read', weight: 10, send: () => ['GET', `/v1/apps/app-a/secrets/HOT/versions`, owner] },
    { name: 'ensure', weight: 10, send: () => ['PUT', `/v1/apps/${pick(APPS)}/clusters/${CLUSTER}/approle`, owner] },
    {
      name: 'secret-id',
      weight: 10,
      send: () => ['POST', `/v1/apps/${pick(APPS)}/clusters/${CLUSTER}/secret-id`, controller, {}],
    },
  ];
  // --only "roleid read,ensure" narrows the mix, to find which request a trend belongs to.
  const only = opt('only', '');
  const chosen = only ? kinds.filter((k) => only.split(',').includes(k.name)) : kinds;
  const bag = chosen.flatMap((k) => Array(k.weight).fill(k));
  const stats = new Map(kinds.map((k) => [k.name, { ok: 0, c4xx: 0, c5xx: 0, failed: 0, codes: new Map() }]));

  // Warm up, then take the starting RSS.
  const once = async () => {
    const kind = pick(bag);
    const [method, path, headers, body] = kind.send();
    const s = stats.get(kind.name);
    try {
      const res = await fetch(`${api}${path}`, {
        method,
        headers: { ...headers, ...(body && { 'Content-Type': 'application/json' }) },
        ...(body && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status >= 500) s.c5xx++;
      else if (res.status >= 400) {
        s.c4xx++;
        const type = JSON.parse(text).type ?? res.status;
        s.codes.set(type, (s.codes.get(type) ?? 0) + 1);
      } else s.ok++;
    } catch {
      s.failed++;
    }
  };
  const run = async (ms) => {
    const until = Date.now() + ms;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < until) await once();
      }),
    );
  };
  // Every cold key and the hot key set once before anything is measured, so the data the mix reads (lists of
  // `--cold-keys` keys per app) is as large at the start as at the end: RSS then tells a leak, not a growing data set.
  const prefill = APPS.flatMap((app) => Array.from({ length: coldKeys }, (_, i) => `/v1/apps/${app}/secrets/K${i}`));
  prefill.push('/v1/apps/app-a/secrets/HOT');
  const prefillStarted = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let path = prefill.pop(); path !== undefined; path = prefill.pop()) {
        await call(`${api}${path}`, { method: 'PUT', headers: owner, body: { value: value() } });
      }
    }),
  );
  console.log(`prefilled ${APPS.length * coldKeys + 1} keys in ${((Date.now() - prefillStarted) / 1000).toFixed(1)} s`);
  // Warm-up long enough for V8 to size its heap to this allocation rate (heapTotal grows for ~20 s under the full
  // mix, heapUsed after each GC stays flat): the start figure is then the working size, and growth from it is a leak.
  await run(Math.min(30_000, seconds * 500));
  for (const s of stats.values()) Object.assign(s, { ok: 0, c4xx: 0, c5xx: 0, failed: 0, codes: new Map() });
  await db.connect();
  const rowsBefore = Number((await db.query('SELECT count(*) FROM secret_versions')).rows[0].count);
  await snapshot();
  const rssStart = await rssMiB(stack.api.child.pid);
  const started = Date.now();
  // RSS every 10 s: a trend tells a leak (keeps climbing) from a heap settling at its working size.
  const samples = [];
  const sampler = setInterval(() => {
    rssMiB(stack.api.child.pid).then(
      (mib) => samples.push(Math.round(mib)),
      () => undefined,
    );
  }, 10_000);
  await run(seconds * 1000);
  clearInterval(sampler);
  const elapsed = (Date.now() - started) / 1000;
  const rssEnd = await rssMiB(stack.api.child.pid);
  await snapshot();
  const rowsAfter = Number((await db.query('SELECT count(*) FROM secret_versions')).rows[0].count);

  console.log(`mixed load: ${connections} concurrent clients for ${elapsed.toFixed(0)} s\n`);
  console.log('| request | ok | 4xx | 5xx | failed | req/s | 4xx types |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  let total = 0;
  let fivexx = 0;
  for (const [name, s] of stats) {
    const n = s.ok + s.c4xx + s.c5xx + s.failed;
    total += n;
    fivexx += s.c5xx + s.failed;
    const codes = [...s.codes].map(([t, c]) => `${String(t).replace('urn:secret-api:problem:', '')} ${c}`).join(', ');
    console.log(`| ${name} | ${s.ok} | ${s.c4xx} | ${s.c5xx} | ${s.failed} | ${(n / elapsed).toFixed(0)} | ${codes} |`);
  }
  const sets = stats.get('hot key set').ok + stats.get('cold key set').ok;
  console.log(`\ntotal ${(total / elapsed).toFixed(0)} req/s; 5xx or failed: ${fivexx}`);
  console.log(
    `history rows added: ${rowsAfter - rowsBefore}, successful sets: ${sets} (ratio ${((rowsAfter - rowsBefore) / sets).toFixed(3)})`,
  );
  console.log(
    `API RSS: ${rssStart.toFixed(0)} MiB at the start, ${rssEnd.toFixed(0)} MiB at the end (ratio ${(rssEnd / rssStart).toFixed(2)})`,
  );
  console.log(`API RSS every 10 s (MiB): ${samples.join(', ')}`);
  const ok = fivexx === 0 && rowsAfter - rowsBefore === sets && rssEnd <= rssStart * 1.1;
  console.log(ok ? '\nPASS: 0 5xx, one history row per set, RSS within 10%' : '\nFAIL: see the figures above');
  process.exitCode = ok ? 0 : 1;
} finally {
  await db.end().catch(() => undefined);
  await stack.stop();
}
