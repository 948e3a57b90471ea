// Secret sets and history reads through the Secret API, each against the same KV v2 operation sent
// straight to vault-dev in the same run, and the history of one key with many versions read in a
// newest page of one key with many versions (with the query plan that proves it is an index range read, not a scan).
// Usage: npm run build && node bench/secrets/run.mjs [--seconds N] [--connections N] [--warmup N]
//          [--keys N] [--versions N] [--history-reads N] [--padding N] [--profile DIR] [--only sets]
// Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), or BENCH_POSTGRES_URL.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { loadavg } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import autocannon from 'autocannon';
import { call, option as opt, postgresServer, withCpuPerRequest } from '../support/processes.mjs';
import { summarizeProfile } from '../support/profile.mjs';
import { OWNER_GROUP, startBenchStack } from '../support/stack.mjs';
import pg from 'pg';
import { PrismaClient } from '../../prisma/dist/index.js';
import { historyPageQuery } from '../../apps/secret-api/dist/index.js';

const duration = Number(opt('seconds', 10));
const connections = Number(opt('connections', 10));
const warmup = Number(opt('warmup', 3));
// Enough keys that 10 concurrent sets almost never meet on one key's lock.
const keyCount = Number(opt('keys', 1000));
const bigVersions = Number(opt('versions', 10_000));
const historyReads = Number(opt('history-reads', 5));
// Other keys' history rows in the table: 5,000 keys with 20 versions each.
const paddingRows = Number(opt('padding', 100_000));
// Runs the API child with --cpu-prof and prints its self time by package (don't record those req/s).
const profileDir = opt('profile', undefined);
// `--only sets`: the set workloads alone, so a --profile shows where a set's CPU goes and nothing else.
const setsOnly = opt('only', 'all') === 'sets';

const APP = 'myapp';
// Direct writes go to a folder the API never reads, so its repair never sees them as outside writes.
const DIRECT_FOLDER = 'direct';
const HISTORY_KEY = 'HISTORY_20';
const BIG_KEY = 'HISTORY_BIG';
const VALUE = `v-${randomBytes(24).toString('base64url')}`;

function load(title, base, { method = 'GET', path, paths, headers, body, seconds = duration, amount }) {
  let next = 0;
  // The first refusal's problem (never a value: problem+json carries codes and key names), to say why a run failed.
  let firstRefusal;
  const request = {
    method,
    ...(body !== undefined && { body: JSON.stringify(body) }),
    ...(paths && { setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }),
    onResponse: (status, responseBody) => {
      if (status >= 300) firstRefusal ??= `${status} ${String(responseBody).slice(0, 300)}`;
    },
  };
  return new Promise((resolveLoad, reject) => {
    autocannon(
      {
        url: `${base}${path ?? paths[0]}`,
        headers: { 'Content-Type': 'application/json', ...headers },
        requests: [request],
        connections,
        title,
        ...(amount ? { amount, timeout: 60 } : { duration: seconds }),
      },
      (err, result) => {
        if (err) return reject(err);
        // A benchmark of 4xx/5xx would measure the error path; refuse to report it.
        if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
          return reject(
            new Error(
              `${title}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts` +
                (firstRefusal ? `; first: ${firstRefusal}` : ''),
            ),
          );
        }
        resolveLoad({
          title,
          rps: result.requests.average,
          total: result.requests.total,
          seconds: result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
        });
      },
    );
  });
}

/** One GET timed at the socket: first body byte and last byte, as a client sees them. */
function timedGet(url, headers) {
  return new Promise((resolveGet, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const req = http.get(url, { headers, agent: false }, (res) => {
      let ttfb;
      let bytes = 0;
      const chunks = [];
      res.on('data', (chunk) => {
        ttfb ??= ms();
        bytes += chunk.length;
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode}`));
        resolveGet({ ttfb, total: ms(), bytes, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** A load, with the CPU each server child spent per request during it (CPU-bound, or waiting on the database or Vault). */
async function measured(title, base, options) {
  const result = await withCpuPerRequest({ api: api.child, vault: vault.child, database: postgresServer }, () =>
    load(title, base, options),
  );
  result.apiCpuMs = result.cpuMsPerRequest.api;
  result.vaultCpuMs = result.cpuMsPerRequest.vault;
  result.databaseCpuMs = result.cpuMsPerRequest.database;
  result.apiWrites = result.writesPerRequest.api;
  return result;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(rows, baseOf) {
  console.log(
    '| workload | req/s | p50 ms | p99 ms | throughput vs baseline | CPU ms/req API, vault-dev, PostgreSQL | API write calls/req |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const base = baseOf(r);
    const cpu = `${fmt(r.apiCpuMs, 2)}, ${fmt(r.vaultCpuMs, 2)}, ${fmt(r.databaseCpuMs, 2)}`;
    const writes = r.apiWrites === undefined ? '—' : fmt(r.apiWrites, 2);
    console.log(
      `| ${r.title} | ${fmt(r.rps)} | ${r.p50} | ${r.p99} | ${(r.rps / base.rps).toFixed(2)} | ${cpu} | ${writes} |`,
    );
  }
}

const startLoad = loadavg()[0].toFixed(2);
let stack;
let vault;
let api;
let prisma;
try {
  stack = await startBenchStack({
    label: 'secrets',
    apiNodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', resolvePath(profileDir)] : [],
  });
  ({ vault, api } = stack);
  const { admin, owner, apiToken } = stack;
  const dbUrl = stack.dbUrl;
  // The direct baselines use the API's own token, so both paths pay the same ACL check in Vault.
  const asApi = { 'X-Vault-Token': apiToken };
  await call(`${api.address}/v1/apps`, {
    method: 'POST',
    headers: admin,
    body: { name: APP, ownerGroups: [OWNER_GROUP] },
  });

  // Other apps' history, so that the key under test is a small part of the table as in production:
  // in a table holding little else the planner rightly scans it, which would prove nothing. Written
  // straight to the table (the API never reads these paths) because only the planner sees them.
  const padClient = new pg.Client({ connectionString: dbUrl });
  await padClient.connect();
  try {
    await padClient.query(
      `INSERT INTO secret_versions (path, version, actor, fingerprint, confirmed)
       SELECT 'padding/app' || (k / 20) || '/KEY_' || (k % 20), v, 'someone@example.com', repeat('x', 43), true
       FROM generate_series(0, $1::int - 1) k, generate_series(1, 20) v`,
      [Math.ceil(paddingRows / 20)],
    );
  } finally {
    await padClient.end();
  }

  const keys = Array.from({ length: keyCount }, (_, i) => `KEY_${String(i).padStart(5, '0')}`);
  const apiSetPaths = keys.map((k) => `/v1/apps/${APP}/secrets/${k}`);
  const directSetPaths = keys.map((k) => `/v1/secret/data/${DIRECT_FOLDER}/${k}`);
  const apiSet = { method: 'PUT', headers: owner, body: { value: VALUE } };
  const directSet = { method: 'POST', headers: asApi, body: { data: { value: VALUE } } };

  // Both paths must write the same thing to Vault, or the comparison is between different work.
  const viaApi = await call(`${api.address}${apiSetPaths[0]}`, apiSet);
  await call(`${vault.address}${directSetPaths[0]}`, directSet);
  const written = await call(`${vault.address}/v1/secret/data/${APP}/${keys[0]}`, { headers: asApi });
  const writtenDirect = await call(`${vault.address}${directSetPaths[0]}`, { headers: asApi });
  if (JSON.stringify(written.data.data) !== JSON.stringify(writtenDirect.data.data) || viaApi.version !== 1) {
    throw new Error(
      `different writes: API ${JSON.stringify(written.data)}, direct ${JSON.stringify(writtenDirect.data)}`,
    );
  }

  // Warm-up: JIT, Prisma's pool and query cache, the JWKS cache, keep-alive sockets to Vault; and every
  // key exists afterwards, so the timed runs measure updates, not a mix of first writes and updates.
  if (warmup > 0) {
    await load('warm-up direct', vault.address, { ...directSet, paths: directSetPaths, seconds: warmup });
    await load('warm-up API', api.address, { ...apiSet, paths: apiSetPaths, seconds: warmup });
  }

  // (1) Sets.
  const setDirect = await measured(`direct: KV v2 write, ${keyCount} keys`, vault.address, {
    ...directSet,
    paths: directSetPaths,
  });
  const setApi = await measured(`Secret API: PUT .../secrets/:key, ${keyCount} keys`, api.address, {
    ...apiSet,
    paths: apiSetPaths,
  });
  const setDirectOne = await measured('direct: KV v2 write, 1 key', vault.address, {
    ...directSet,
    path: `/v1/secret/data/${DIRECT_FOLDER}/ONE_KEY`,
  });
  const setApiOne = await measured('Secret API: PUT .../secrets/:key, 1 key', api.address, {
    ...apiSet,
    path: `/v1/apps/${APP}/secrets/ONE_KEY`,
  });

  // Every set answered 200 left one confirmed row, numbered without gaps: the history is exact under load.
  // (A run's last sets may still be in the API when autocannon stops: wait for them, a few seconds at most.)
  const setRows = new pg.Client({ connectionString: dbUrl });
  await setRows.connect();
  try {
    let counts;
    for (let tries = 0; tries < 50; tries++) {
      ({
        rows: [counts],
      } = await setRows.query(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT confirmed)::int AS pending,
                count(*) FILTER (WHERE path = $2)::int AS one, max(version) FILTER (WHERE path = $2) AS "oneTop"
         FROM secret_versions WHERE path LIKE $1`,
        [`${APP}/%`, `${APP}/ONE_KEY`],
      ));
      if (counts.pending === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { pending, one, oneTop } = counts;
    if (pending !== 0 || one !== oneTop || one < setApiOne.total) {
      throw new Error(`history after the sets: ${JSON.stringify(counts)}, ${setApiOne.total} sets of ONE_KEY`);
    }
  } finally {
    await setRows.end();
  }

  /** Prints the sets' table: once they ran (`--only sets`), or with the rest at the end. */
  const printSets = () => {
    // Other work on the box skews every number; the load average at the start and end says how much.
    console.log(`\nload average (1 min) at start ${startLoad}, at end ${loadavg()[0].toFixed(2)}`);
    console.log(`${duration}s per run after ${warmup}s warm-up, ${connections} connections, same machine, same run\n`);
    console.log('Sets (ratio vs the direct KV v2 write over the same number of keys):\n');
    table([setDirect, setApi, setDirectOne, setApiOne], (r) =>
      r === setApi ? setDirect : r === setApiOne ? setDirectOne : r,
    );
    console.log(`\nratio API / direct, ${keyCount} keys: ${(setApi.rps / setDirect.rps).toFixed(3)}`);
    console.log(`ratio API / direct, 1 key:     ${(setApiOne.rps / setDirectOne.rps).toFixed(3)}`);
    console.log(`API 1 key / API ${keyCount} keys: ${(setApiOne.rps / setApi.rps).toFixed(2)}`);
  };
  if (setsOnly) printSets();
  else {
    // (2) History of a key with ~20 versions.
    for (let i = 0; i < 20; i++) {
      await call(`${api.address}/v1/apps/${APP}/secrets/${HISTORY_KEY}`, {
        ...apiSet,
        body: { value: `${VALUE}-${i}`, comment: `change ${i}` },
      });
    }
    const historyPath = `/v1/apps/${APP}/secrets/${HISTORY_KEY}/versions`;
    const metadataPath = `/v1/secret/metadata/${APP}/${HISTORY_KEY}`;
    const hist = await call(`${api.address}${historyPath}`, { headers: owner });
    const meta = await call(`${vault.address}${metadataPath}`, { headers: asApi });
    if (hist.items.length !== 20 || hist.items[0].version !== 20 || meta.data.current_version !== 20) {
      throw new Error(`history of ${HISTORY_KEY}: ${hist.items.length} rows, Vault at ${meta.data.current_version}`);
    }
    if (warmup > 0)
      await load('warm-up API history', api.address, { path: historyPath, headers: owner, seconds: warmup });
    const histDirect = await measured('direct: KV v2 metadata read (20 versions)', vault.address, {
      path: metadataPath,
      headers: asApi,
    });
    const histApi = await measured('Secret API: GET .../versions (20 versions)', api.address, {
      path: historyPath,
      headers: owner,
    });

    // (3) One key with many versions. Sets of one key queue on its lock whatever the concurrency, so
    // this is also the sustained single-key set rate over a long run.
    const bigSets = await measured(`Secret API: ${bigVersions} sets of 1 key`, api.address, {
      ...apiSet,
      path: `/v1/apps/${APP}/secrets/${BIG_KEY}`,
      amount: bigVersions,
    });
    const bigUrl = `${api.address}/v1/apps/${APP}/secrets/${BIG_KEY}/versions`;
    // Consecutive versions, one row each: what the lock promises under concurrent sets. The history
    // comes a page at a time; follow every page.
    const versionsSeen = [];
    for (let cursor; ;) {
      const page = await call(`${bigUrl}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: owner });
      versionsSeen.push(...page.items.map((item) => item.version));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    const broken = versionsSeen.findIndex((v, i) => v !== bigVersions - i);
    if (versionsSeen.length !== bigVersions || broken !== -1) {
      throw new Error(`history of ${BIG_KEY}: ${versionsSeen.length} rows, first out of sequence at index ${broken}`);
    }
    // What a reader gets first: the newest page (default size), however long the history.
    const reads = [];
    for (let i = 0; i < historyReads; i++) reads.push(await timedGet(bigUrl, owner));
    const big = JSON.parse(reads[0].body);

    // The exact statement the API sends for that page (secret-history.ts exports it), run here
    // through the same client and adapter.
    prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: dbUrl, max: 1 }) });
    const pageQuery = historyPageQuery(`${APP}/${BIG_KEY}`, null, big.items.length);
    const historyQuery = () => prisma.$queryRaw(pageQuery);
    const queryMs = [];
    for (let i = 0; i < historyReads; i++) {
      const t0 = process.hrtime.bigint();
      await historyQuery();
      queryMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const sql = pageQuery.text;
    const params = pageQuery.values;

    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    let tableRows;
    const plans = {};
    try {
      // A live database has statistics on this table; a just-filled one may not yet (autovacuum
      // runs on its own schedule), and the plan should be the one a live database would pick.
      await client.query('ANALYZE secret_versions');
      tableRows = (await client.query('SELECT count(*)::int AS n FROM secret_versions')).rows[0].n;
      for (const key of [BIG_KEY, HISTORY_KEY]) {
        const keyParams = params.map((p) => (p === `${APP}/${BIG_KEY}` ? `${APP}/${key}` : p));
        const rows = (await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, keyParams)).rows;
        plans[key] = rows.map((r) => r['QUERY PLAN']).join('\n');
      }
    } finally {
      await client.end();
    }

    printSets();

    console.log('\nHistory read, 20 versions (ratio vs the KV v2 metadata read):\n');
    table([histDirect, histApi], () => histDirect);
    console.log(`\nratio API / direct: ${(histApi.rps / histDirect.rps).toFixed(3)}`);

    console.log(`\nOne key, ${bigVersions} versions:\n`);
    console.log(
      `- ${bigVersions} sets of one key, ${connections} connections: ${fmt(bigSets.seconds, 1)} s, ` +
        `${fmt(bigSets.rps)} sets/s, p50 ${bigSets.p50} ms, p99 ${bigSets.p99} ms ` +
        `(vs direct 1-key write: ${(bigSets.rps / setDirectOne.rps).toFixed(3)}), API CPU ${fmt(bigSets.apiCpuMs, 2)} ms/set`,
    );
    console.log(
      `- GET .../versions, ${big.items.length} items, ${fmt(reads[0].bytes / 1024, 0)} KiB, ${historyReads} reads: ` +
        `TTFB ${reads.map((r) => fmt(r.ttfb, 1)).join(' / ')} ms, total ${reads.map((r) => fmt(r.total, 1)).join(' / ')} ms ` +
        `(median ${fmt(median(reads.map((r) => r.ttfb)), 1)} / ${fmt(median(reads.map((r) => r.total)), 1)} ms)`,
    );
    console.log(
      `- the same statement from this process (query + Prisma materialising ${big.items.length} rows): ` +
        `${queryMs.map((t) => fmt(t, 1)).join(' / ')} ms (median ${fmt(median(queryMs), 1)})`,
    );
    console.log(
      `\nsecret_versions holds ${fmt(tableRows)} rows; the API's query:\n\n${sql}\nparams ${JSON.stringify(params)}\n`,
    );
    for (const [key, plan] of Object.entries(plans)) {
      console.log(`EXPLAIN (ANALYZE, BUFFERS), path ${APP}/${key}:\n\n${plan}\n`);
    }
    // For a key with many rows PostgreSQL may prefer a bitmap scan of the same index plus an
    // in-memory sort to walking the index backwards; both read only that key's rows. What must
    // never appear is a Seq Scan, whose cost grows with every other key's history.
    // Either index led by path reads only that key's entries (for a short history PostgreSQL may pick
    // (path, kv_version) and sort the 20 rows).
    const viaIndex =
      /(Index Scan Backward using|Index Scan using|Bitmap Index Scan on) (secret_versions_path_version_key|secret_versions_path_kv_version_idx)/;
    for (const [key, plan] of Object.entries(plans)) {
      const [, access, index] = viaIndex.exec(plan) ?? [];
      if (!access || /Seq Scan on secret_versions/.test(plan)) {
        throw new Error(`history of ${key} is not read through an index on path (see the plan above)`);
      }
      console.log(`plan check ${key}: ${access} ${index}, no Seq Scan on secret_versions: OK`);
    }
  }
} finally {
  await prisma?.$disconnect();
  await stack?.stop();
}
if (profileDir) await summarizeProfile(resolvePath(profileDir));
