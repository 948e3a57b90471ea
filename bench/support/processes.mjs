// Shared by the benchmarks that run vault-dev and the Secret API as child processes
// (bench/roleid/servers.mjs is their entry point), so the load generator never shares their event loop.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const SERVER_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SERVERS = fileURLToPath(new URL('../roleid/servers.mjs', import.meta.url));

/** `--name value` from argv, or the fallback. */
export function option(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
}

/** Starts `servers.mjs <kind>` and resolves with its address once it prints it. */
export async function startChild(kind, { env = {}, nodeArgs = [] } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, SERVERS, kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${kind} exited with ${code} before it was ready`);
  });
  const [line] = await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited]);
  exited.catch(() => {});
  return { child, address: JSON.parse(line).address };
}

/** SIGTERM, so a CPU profile gets written and database connections close before the drop. */
export async function stopChild(running) {
  if (!running || running.child.exitCode !== null) return;
  const exited = once(running.child, 'exit');
  running.child.kill('SIGTERM');
  await exited;
}

export async function pgAdmin(sql) {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A JSON call that must succeed: the set-up of a benchmark never measures an error path. */
export async function call(url, { method = 'GET', headers = {}, body } = {}) {
  const res = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** CPU seconds a process has used so far (utime + stime from /proc, in clock ticks of 1/100 s on Linux). */
export async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The local PostgreSQL server's processes, for {@link withCpuPerRequest}: the benchmark's database work is CPU of the
 * same machine, spent outside the API (its backends, WAL writer and the listener backends that deliver notices).
 * Counts every process named `postgres*` on the machine, so run nothing else against it meanwhile; a backend that
 * ends during a run takes its share with it (the API's pools keep theirs open).
 */
export const postgresServer = {
  async cpuSeconds() {
    let ticks = 0;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat;
      try {
        stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // ended meanwhile
      }
      if (!stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith('postgres')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / 100;
  },
  writeCalls: async () => undefined,
};

/** A child's CPU and write-call counters, or the PostgreSQL server's. */
const counters = (process) =>
  process === postgresServer
    ? process
    : { cpuSeconds: () => cpuSeconds(process.pid), writeCalls: () => writeCalls(process.pid) };

/**
 * Write system calls a process has made so far (`syscw` of /proc/<pid>/io: write, writev and the like, sockets
 * included). On loopback each one also runs the delivery to the reader, so it is a large share of an API request's
 * CPU (bench/README.md, "Issue 15, session 9"). Undefined where /proc does not say.
 */
export async function writeCalls(pid) {
  try {
    const match = /^syscw: (\d+)$/m.exec(await readFile(`/proc/${pid}/io`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `run` (a load that resolves to a result with `total` requests) and adds each child's CPU milliseconds per
 * request: unlike req/s, CPU per request hardly moves with what else the machine runs, so it compares runs taken
 * under different loads. Also each child's write system calls per request (`writesPerRequest`, undefined where
 * /proc does not count them).
 */
export async function withCpuPerRequest(children, run) {
  const measured = Object.entries(children).map(([name, process]) => [name, counters(process)]);
  const before = {};
  for (const [name, process] of measured) {
    before[name] = { cpu: await process.cpuSeconds(), writes: await process.writeCalls() };
  }
  const result = await run();
  result.cpuMsPerRequest = {};
  result.writesPerRequest = {};
  for (const [name, process] of measured) {
    result.cpuMsPerRequest[name] = (1000 * ((await process.cpuSeconds()) - before[name].cpu)) / result.total;
    const writes = await process.writeCalls();
    result.writesPerRequest[name] =
      writes === undefined || before[name].writes === undefined
        ? undefined
        : (writes - before[name].writes) / result.total;
  }
  return result;
}
