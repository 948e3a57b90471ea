// One autocannon load and the table the API-vs-Vault benchmarks print, shared so each benchmark states only what it
// compares.
import autocannon from 'autocannon';
import { withCpuPerRequest } from './processes.mjs';

/**
 * Runs one load; resolves with req/s, the request count and latency percentiles. A run with any non-2xx answer or
 * socket error is refused: it would measure the error path.
 */
export function load({ title, url, method = 'GET', headers = {}, body, seconds, connections }) {
  return new Promise((resolveLoad, reject) => {
    autocannon({ url, method, headers, body, duration: seconds, connections, title }, (err, result) => {
      if (err) return reject(err);
      if (result.non2xx > 0 || result.errors > 0) {
        return reject(new Error(`${title}: ${result.non2xx} non-2xx responses, ${result.errors} errors`));
      }
      resolveLoad({
        title,
        rps: result.requests.average,
        total: result.requests.total,
        p50: result.latency.p50,
        p99: result.latency.p99,
      });
    });
  });
}

/**
 * The direct Vault call against the same work through the API, each with the CPU per request of both server
 * processes, and the table comparing them. `direct` and `viaApi` are load() options without seconds/connections.
 */
export async function compareWithDirect(stack, { direct, viaApi, seconds, connections, warmup }) {
  if (warmup > 0) {
    await load({ ...direct, title: `warm-up ${direct.title}`, seconds: warmup, connections });
    await load({ ...viaApi, title: `warm-up ${viaApi.title}`, seconds: warmup, connections });
  }
  const children = { api: stack.api.child, vault: stack.vault.child };
  const base = await withCpuPerRequest(children, () => load({ ...direct, seconds, connections }));
  const api = await withCpuPerRequest(children, () => load({ ...viaApi, seconds, connections }));

  console.log(`\n${seconds}s per run after ${warmup}s warm-up, ${connections} connections, same machine, same run\n`);
  console.log('| workload | req/s | p50 ms | p99 ms | throughput vs direct | CPU ms/req: API, vault-dev |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of [base, api]) {
    const cpu = `${r.cpuMsPerRequest.api.toFixed(3)}, ${r.cpuMsPerRequest.vault.toFixed(3)}`;
    console.log(
      `| ${r.title} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.rps / base.rps).toFixed(2)} | ${cpu} |`,
    );
  }
  // autocannon's latencies are whole milliseconds: a direct p50 of 0 counts as 1.
  console.log(
    `\nratio API / direct: throughput ${(api.rps / base.rps).toFixed(2)}, ` +
      `p50 ${(api.p50 / Math.max(base.p50, 1)).toFixed(1)}x, p99 ${(api.p99 / Math.max(base.p99, 1)).toFixed(1)}x`,
  );
  // The serving process's CPU per request in each workload — vault-dev's for the direct call, the API's (everything
  // it does around its own Vault call) through the API: steadier than req/s when the machine is busy.
  const cpuRatio = base.cpuMsPerRequest.vault / api.cpuMsPerRequest.api;
  console.log(`CPU per request, vault-dev (direct) / API: ${cpuRatio.toFixed(2)}`);
  return { base, api };
}
