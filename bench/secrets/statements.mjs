// What a secret set costs PostgreSQL, statement by statement: the set's two statements on its key's lock session
// (lock-and-record, confirm-and-unlock), exactly as the API builds them, against two trivial statements on the
// same sessions (the floor of two round trips) and against a prototype that does the same work for several keys
// per statement. No API and no Vault: the Vault write between the two statements is skipped, so the numbers are
// the database's share of a set alone. See bench/README.md, "Issue 15, session 10".
// Usage: npm run build && node bench/secrets/statements.mjs [--seconds N] [--keys N]
// Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust), or BENCH_POSTGRES_URL.
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { confirmAndUnlock, lockAndRecord, recordedWithLock } from '../../apps/secret-api/dist/index.js';
import { SERVER_URL, option as opt, pgAdmin, postgresServer } from '../support/processes.mjs';

const seconds = Number(opt('seconds', 5));
const keyCount = Number(opt('keys', 1000));
// As the API: 4 lock sessions, 10 sets in flight (the secrets benchmark's 10 connections).
const SESSIONS = 4;
const IN_FLIGHT = 10;
// The lock module prepends the lock's namespace and key ($1, $2); any namespace will do in a scratch database.
const NAMESPACE = 1;
const MIGRATIONS = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));
const historyKey = randomBytes(32);

// The prototype: lock-and-record and confirm-and-unlock for a batch of keys, one row per key in the
// order given. Same checks as the API's statements (secret-api/src/services/secrets/pending-row.ts).
const LOCK_AND_RECORD_BATCH = `WITH input AS (
      SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[])
        WITH ORDINALITY AS i(path, actor, comment, fingerprint, cas, n)),
    l AS MATERIALIZED (SELECT input.*, pg_try_advisory_lock($1, hashtext(input.path)) AS locked FROM input),
    look AS MATERIALIZED (
      SELECT l.*, n.version, n.kv_version, n.kv_created_time, n.confirmed,
             l.locked AND EXISTS (SELECT 1 FROM secret_versions p WHERE NOT p.confirmed AND p.path = l.path) AS pending
      FROM l LEFT JOIN LATERAL (
        SELECT v.version, v.kv_version, v.kv_created_time, v.confirmed FROM secret_versions v
        WHERE l.locked AND v.path = l.path ORDER BY v.version DESC LIMIT 1) n ON true),
    recorded AS (
      INSERT INTO secret_versions (path, version, kv_version, actor, comment, fingerprint, confirmed)
      SELECT look.path, COALESCE(look.version, 0) + 1, COALESCE(look.kv_version, 0) + 1, look.actor, look.comment,
             look.fingerprint, false
      FROM look
      WHERE look.locked AND NOT look.pending
        AND (look.version IS NULL
             OR (look.confirmed AND look.kv_version IS NOT NULL AND look.kv_created_time IS NOT NULL))
        AND (look.cas IS NULL OR look.cas = COALESCE(look.version, 0))
      ON CONFLICT (path, version) DO NOTHING
      RETURNING id, path, version, kv_version)
    SELECT look.locked, r.id, r.version, r.kv_version AS "kvVersion"
    FROM look LEFT JOIN recorded r ON r.path = look.path ORDER BY look.n`;
const CONFIRM_AND_UNLOCK_BATCH = `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
    input AS (SELECT * FROM unnest($2::text[], $3::int[], $4::text[], $5::bigint[])
      WITH ORDINALITY AS i(path, kv_version, kv_created_time, id, n)),
    confirmed AS (
      UPDATE secret_versions v SET confirmed = true, kv_version = input.kv_version, kv_created_time = input.kv_created_time
      FROM async_commit, input WHERE v.id = input.id
      RETURNING v.id)
    SELECT input.id IN (SELECT id FROM confirmed) AS confirmed, pg_advisory_unlock($1, hashtext(input.path)) AS unlocked,
           pg_notify('secrets', input.path) AS announced
    FROM input ORDER BY input.n`;

const dbName = `secret_api_bench_statements_${randomBytes(5).toString('hex')}`;
const dbUrl = new URL(SERVER_URL);
dbUrl.pathname = `/${dbName}`;

async function migrate() {
  const client = new pg.Client({ connectionString: dbUrl.toString() });
  await client.connect();
  try {
    for (const dir of (await readdir(MIGRATIONS, { withFileTypes: true })).filter((d) => d.isDirectory())) {
      await client.query(await readFile(`${MIGRATIONS}${dir.name}/migration.sql`, 'utf8'));
    }
  } finally {
    await client.end();
  }
}

async function sessions(count) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const client = new pg.Client({ connectionString: dbUrl.toString() });
      await client.connect();
      let tail = Promise.resolve();
      // One statement at a time per session, in order, as the lock module runs them.
      const run = (query) => {
        const result = tail.then(() => client.query(query));
        tail = result.catch(() => undefined);
        return result;
      };
      return { client, run };
    }),
  );
}

const paths = Array.from({ length: keyCount }, (_, i) => `myapp/KEY_${String(i).padStart(5, '0')}`);
const input = (path) => ({ path, value: 'v', actor: 'bob@example.com', comment: undefined, cas: undefined });
const written = (row) => ({
  row: { id: BigInt(row.id), version: row.version },
  kvVersion: row.kvVersion,
  kvCreatedTime: new Date().toISOString(),
});

/** Runs `worker(session, nextPath)` IN_FLIGHT times over for the run's seconds; returns sets per second and PostgreSQL's CPU per set. */
async function measure(title, worker) {
  const open = await sessions(SESSIONS);
  let next = 0;
  let sets = 0;
  const end = Date.now() + seconds * 1000;
  const cpuBefore = await postgresServer.cpuSeconds();
  const started = Date.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, w) => {
      while (Date.now() < end) {
        // Not `sets += await …`: that reads `sets` before the await and drops the other workers' counts.
        const done = await worker(open, w, () => paths[next++ % keyCount]);
        sets += done;
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  const cpuMs = (1000 * ((await postgresServer.cpuSeconds()) - cpuBefore)) / sets;
  await Promise.all(open.map((s) => s.client.end()));
  return { title, rps: sets / elapsed, cpuMs };
}

const sessionOf = (open, path) => open[Math.abs(hashCode(path)) % open.length];
function hashCode(text) {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

async function theApis(open, _w, nextPath) {
  const path = nextPath();
  const session = sessionOf(open, path);
  const lock = lockAndRecord({ historyKey }, input(path));
  const { rows } = await session.run({ name: lock.name, text: lock.text, values: [NAMESPACE, path, ...lock.values] });
  const recorded = recordedWithLock(rows);
  // Keys are spread so that no two sets in flight meet: a set that did not record measured nothing.
  if (!recorded) throw new Error(`${path}: not recorded (${JSON.stringify(rows)})`);
  const confirm = confirmAndUnlock(
    written({ id: recorded.row.id, version: recorded.row.version, kvVersion: recorded.kvVersion }),
  );
  await session.run({ name: confirm.name, text: confirm.text, values: [NAMESPACE, path, ...confirm.values] });
  return 1;
}

async function trivial(open, _w, nextPath) {
  const session = sessionOf(open, nextPath());
  await session.run({ name: 'one', text: 'SELECT 1' });
  await session.run({ name: 'one', text: 'SELECT 1' });
  return 1;
}

const batched = (size) => async (open, w, nextPath) => {
  const batch = Array.from({ length: size }, nextPath);
  const session = open[w % open.length];
  const lock = await session.run({
    name: 'lock-and-record-batch',
    text: LOCK_AND_RECORD_BATCH,
    values: [
      NAMESPACE,
      batch,
      batch.map(() => 'bob@example.com'),
      batch.map(() => null),
      batch.map(() => randomBytes(32).toString('base64url')),
      batch.map(() => null),
    ],
  });
  if (lock.rows.some((r) => !r.locked || r.id === null)) throw new Error(`not recorded: ${JSON.stringify(lock.rows)}`);
  await session.run({
    name: 'confirm-and-unlock-batch',
    text: CONFIRM_AND_UNLOCK_BATCH,
    values: [
      NAMESPACE,
      batch,
      lock.rows.map((r) => r.kvVersion),
      batch.map(() => new Date().toISOString()),
      lock.rows.map((r) => r.id),
    ],
  });
  return size;
};

await pgAdmin(`CREATE DATABASE "${dbName}"`);
try {
  await migrate();
  // Every key written once first, so the timed runs measure updates of keys with history.
  await measure('warm-up', theApis);
  const rows = [await measure("the API's two statements", theApis)];
  rows.push(await measure('two `SELECT 1`', trivial));
  // Each worker's batch is disjoint from the others' (keys are handed out in order, keyCount ≫ batch × IN_FLIGHT).
  for (const size of [2, 4, 8]) rows.push(await measure(`prototype: ${size} keys per statement`, batched(size)));
  const api = rows[0];
  console.log(
    `\n${seconds}s per run, ${SESSIONS} sessions, ${IN_FLIGHT} sets in flight, ${keyCount} keys, no Vault write\n`,
  );
  console.log("| statements per set | sets/s | PostgreSQL CPU ms/set | CPU vs the API's |");
  console.log('|---|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.title} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.cpuMs.toFixed(3)} | ${(r.cpuMs / api.cpuMs).toFixed(2)} |`,
    );
  }
} finally {
  await pgAdmin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
}
