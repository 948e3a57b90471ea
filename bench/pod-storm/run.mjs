// Pod storm: N pods created at once, each with an init container waiting for its SecretID, until every one has
// unwrapped it and logged in to Vault from its own pod IP. Prints the wall time, pods/s, and the controller's RSS
// (idle, and peak during the storm, sampled from /proc) against kubernetes-vault's reported 3–30 s for 80 pods;
// and the CPU each process used during the storm, which says where the time went.
// Target: 1,000 pods in ≤ 30 s with the controller at ≤ 80 MiB.
//
//   npm run build && npm run bench:pod-storm                       # N = 100 and 1000
//   node bench/pod-storm/run.mjs [--sizes 100,1000] [--workers 32] [--profile DIR] [--controller-node-args '...']
//
// Every part runs as its own process (stack.mjs): vault-dev, the Secret API, kube-dev, the pods' runtime and the
// controller (its bin, as deployed), so none shares an event loop with another or with this load generator.
// `--profile DIR` writes a CPU profile of every child and prints where each spent its time (the profiler slows
// them: read the shares, not the seconds). Needs PostgreSQL on 127.0.0.1:5432 (or BENCH_POSTGRES_URL).
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { option } from '../support/processes.mjs';
import { cpuSeconds, loadAverage, rssMiB, rssSampler } from './proc.mjs';
import { summarizeProfiles } from '../support/profile.mjs';
import { APP, CLUSTER, CONTROLLER_NS, kubeCall, startStormStack } from './stack.mjs';

const SIZES = option('sizes', process.env.POD_STORM_SIZES ?? '100,1000')
  .split(',')
  .map(Number);
const WORKERS = option('workers', undefined);
// The controller runs as its image runs it (apps/secret-controller/Dockerfile: a 1 MiB young generation, V8 tuned
// for size); --controller-node-args '' runs it with Node's defaults, to see what the flags do.
const CONTROLLER_NODE_ARGS = option(
  'controller-node-args',
  '--jitless --no-expose-wasm --max-semi-space-size=1 --optimize-for-size',
)
  .split(' ')
  .filter(Boolean);
const profileOption = option('profile', undefined);
const profileDir = profileOption ? resolve(profileOption) : undefined;
const BIN = fileURLToPath(new URL('../../apps/secret-controller/bin/secret-controller.js', import.meta.url));
const TIMEOUT_MS = Number(option('timeout', 300)) * 1000;
// --controller-log FILE: the controller's log lines go there (with SECRET_CONTROLLER_LOG_LEVEL=debug, every step).
const CONTROLLER_LOG = option('controller-log', undefined);

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

async function until(what, probe, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Counter and histogram values from the controller's /metrics. */
async function controllerMetrics(healthUrl) {
  const text = await (await fetch(`${healthUrl}/metrics`)).text();
  const value = (re) => Number(re.exec(text)?.[1] ?? 0);
  return {
    delivered: value(/^secret_controller_deliveries_total\{result="delivered"\} (\S+)/m),
    failed: value(/^secret_controller_deliveries_total\{result="failed"\} (\S+)/m),
    retries: value(/^secret_controller_delivery_retries_total (\S+)/m),
    deliverySecondsSum: value(/^secret_controller_delivery_seconds_sum (\S+)/m),
    stages: Object.fromEntries(
      ['claim', 'issue', 'intake'].map((stage) => [
        stage,
        {
          sum: value(new RegExp(`^secret_controller_delivery_stage_seconds_sum\\{stage="${stage}"\\} (\\S+)`, 'm')),
          count: value(new RegExp(`^secret_controller_delivery_stage_seconds_count\\{stage="${stage}"\\} (\\S+)`, 'm')),
        },
      ]),
    ),
  };
}

/**
 * Samples the controller's own memory metrics (prom-client's process metrics) every `ms`, keeping the sample taken
 * at the highest RSS: what the peak is made of — V8's heap (new and old space) or memory outside it.
 */
function memoryBreakdown(healthUrl, ms = 500) {
  let best;
  const timer = setInterval(async () => {
    try {
      const text = await (await fetch(`${healthUrl}/metrics`)).text();
      const mib = (re) => Number(re.exec(text)?.[1] ?? 0) / 1048576;
      const sample = {
        rss: mib(/^secret_controller_process_resident_memory_bytes (\S+)/m),
        heapTotal: mib(/^secret_controller_nodejs_heap_size_total_bytes (\S+)/m),
        heapUsed: mib(/^secret_controller_nodejs_heap_size_used_bytes (\S+)/m),
        newSpace: mib(/^secret_controller_nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)/m),
        oldSpace: mib(/^secret_controller_nodejs_heap_space_size_total_bytes\{space="old"\} (\S+)/m),
        external: mib(/^secret_controller_nodejs_external_memory_bytes (\S+)/m),
      };
      if (!best || sample.rss > best.rss) best = sample;
    } catch {
      /* the controller is busy or gone: next time */
    }
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      return best;
    },
  };
}

let served = 0;
let failed = 0;
const failures = new Map();
const servedPods = new Set();
const stack = await startStormStack({
  profileDir,
  onPod: (line) => {
    if (line.served) {
      served++;
      servedPods.add(line.served);
    }
    if (line.failed) {
      failed++;
      failures.set(line.why, (failures.get(line.why) ?? 0) + 1);
    }
  },
});
let controller;
try {
  const healthPort = await freePort();
  const healthUrl = `http://127.0.0.1:${healthPort}`;
  controller = spawn(process.execPath, [...CONTROLLER_NODE_ARGS, ...stack.profile('controller'), BIN], {
    env: {
      PATH: process.env.PATH,
      SECRET_CONTROLLER_CLUSTER: CLUSTER,
      SECRET_API_URL: stack.api.address,
      SECRET_API_TOKEN_FILE: stack.tokenFile,
      KUBECONFIG: stack.kubeconfig,
      SECRET_CONTROLLER_NAMESPACE: CONTROLLER_NS,
      SECRET_CONTROLLER_HEALTH_HOST: '127.0.0.1',
      SECRET_CONTROLLER_HEALTH_PORT: String(healthPort),
      SECRET_CONTROLLER_LOG_LEVEL: process.env.SECRET_CONTROLLER_LOG_LEVEL ?? 'warn',
      POD_NAME: 'bench-controller',
      ...(WORKERS ? { SECRET_CONTROLLER_WORKERS: WORKERS } : {}),
    },
    stdio: ['ignore', 'ignore', CONTROLLER_LOG ? openSync(CONTROLLER_LOG, 'w') : 'inherit'],
  });
  // Leading, with its pod cache synced, before the storm: the benchmark times deliveries, not start-up.
  await until('the controller leading and synced', async () => {
    const ready = await (await fetch(`${healthUrl}/readyz`)).json();
    return ready.leader && ready.synced;
  });
  const idle = rssMiB(controller.pid);
  console.log(`pod storm: controller pid ${controller.pid}, idle RSS ${idle.toFixed(1)} MiB, load ${loadAverage()}`);
  console.log(
    'baseline: kubernetes-vault reports 3–30 s for 80 pods; target 1,000 pods in ≤ 30 s, controller ≤ 80 MiB',
  );

  const processes = {
    controller: controller.pid,
    'secret-api': stack.api.child.pid,
    'vault-dev': stack.vault.child.pid,
    'kube-dev': stack.kube.child.pid,
    pods: stack.pods.child.pid,
  };
  const sampler = rssSampler(controller.pid);
  const rows = [];
  for (const n of SIZES) {
    served = 0;
    failed = 0;
    failures.clear();
    servedPods.clear();
    sampler.reset();
    const before = await controllerMetrics(healthUrl);
    const cpuBefore = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, cpuSeconds(pid)]));
    const selfBefore = process.cpuUsage();
    const loadBefore = loadAverage();
    const memory = memoryBreakdown(healthUrl);
    const started = performance.now();
    // All at once, as a `kubectl apply` of N pods would: 32 requests in flight against the API server.
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < n) {
          const i = next++;
          await kubeCall(stack.kube, 'POST', '/api/v1/namespaces/apps/pods', {
            metadata: { name: `b${n}-${i}`, annotations: { 'secret-api.dev/role': APP } },
            spec: {
              initContainers: [
                {
                  name: 'secret-init',
                  image: 'secret-init',
                  env: [
                    { name: 'VAULT_ADDR', value: stack.vault.address },
                    { name: 'VAULT_ROLE_ID', value: stack.roleId },
                  ],
                },
              ],
              containers: [{ name: 'app', image: 'app' }],
            },
          });
        }
      }),
    );
    const created = (performance.now() - started) / 1000;
    const deadline = Date.now() + TIMEOUT_MS;
    while (served + failed < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    if (served + failed < n) {
      // What the pods that were never served look like: the controller's annotation, the init container's state.
      const { items } = await kubeCall(stack.kube, 'GET', '/api/v1/namespaces/apps/pods');
      for (const pod of items.filter((p) => !servedPods.has(`apps/${p.metadata.name}`)).slice(0, 10)) {
        console.log(
          `  not served: ${pod.metadata.name} uid ${pod.metadata.uid} annotations ${JSON.stringify(pod.metadata.annotations)} ` +
            `podIP ${pod.status?.podIP} init ${JSON.stringify(pod.status?.initContainerStatuses?.[0]?.state)}`,
        );
      }
    }
    const peak = sampler.peak();
    const atPeak = memory.stop();
    const self = process.cpuUsage(selfBefore);
    const cpu = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, cpuSeconds(pid) - cpuBefore[k]]));
    cpu['bench (load generator)'] = (self.user + self.system) / 1e6;
    const after = await controllerMetrics(healthUrl);
    const load = loadAverage();
    const met = seconds <= 30 && peak <= 80;
    console.log(
      `\nN=${n}: ${served} served, ${failed} failed in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(1)} pods/s; ` +
        `80 pods at this rate: ${((80 * seconds) / n).toFixed(2)} s vs 3–30 s); all created after ${created.toFixed(2)} s`,
    );
    console.log(
      `  controller RSS idle ${idle.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB` +
        (n >= 1000 ? ` — target ${met ? 'met' : 'NOT met'}` : ''),
    );
    if (atPeak) {
      const f = (x) => x.toFixed(1);
      console.log(
        `  at its highest /metrics sample (RSS ${f(atPeak.rss)} MiB): V8 heap ${f(atPeak.heapUsed)} used of ${f(atPeak.heapTotal)} ` +
          `(new space ${f(atPeak.newSpace)}, old space ${f(atPeak.oldSpace)}), external ${f(atPeak.external)} MiB`,
      );
    }
    console.log(
      `  controller: ${after.delivered - before.delivered} delivered, ${after.failed - before.failed} given up, ` +
        `${after.retries - before.retries} retries, mean delivery ` +
        `${(((after.deliverySecondsSum - before.deliverySecondsSum) / Math.max(1, after.delivered - before.delivered)) * 1000).toFixed(0)} ms`,
    );
    const stageMeans = Object.entries(after.stages).map(([stage, { sum, count }]) => {
      const n = count - before.stages[stage].count;
      return `${stage} ${n ? (((sum - before.stages[stage].sum) / n) * 1000).toFixed(0) : '–'} ms`;
    });
    console.log(`  mean per delivery step: ${stageMeans.join(', ')}`);
    for (const [why, count] of failures) console.log(`  failed: ${count} × ${why}`);
    console.log(
      `  load average ${loadBefore} → ${load}; CPU seconds during the storm (2 cores = ${(2 * seconds).toFixed(1)} s):`,
    );
    for (const [name, s] of Object.entries(cpu).sort((a, b) => b[1] - a[1])) {
      console.log(
        `    ${name.padEnd(24)} ${s.toFixed(2).padStart(7)} s  (${((100 * s) / seconds).toFixed(0)}% of one core)`,
      );
    }
    rows.push({ n, served, failed, seconds, peak, load });

    await kubeCall(stack.kube, 'DELETE', '/api/v1/namespaces/apps/pods');
    await until(
      'the pods deleted',
      async () => (await kubeCall(stack.kube, 'GET', '/api/v1/namespaces/apps/pods')).items.length === 0,
      TIMEOUT_MS,
    );
  }
  sampler.stop();
  console.log(`\n| N | served | seconds | pods/s | controller RSS idle / peak MiB | load (1, 5, 15 min) |`);
  console.log('|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    console.log(
      `| ${r.n} | ${r.served}${r.failed ? ` (+${r.failed} failed)` : ''} | ${r.seconds.toFixed(1)} | ${(r.n / r.seconds).toFixed(1)} | ${idle.toFixed(0)} / ${r.peak.toFixed(0)} | ${r.load} |`,
    );
  }
} finally {
  if (controller && controller.exitCode === null) {
    const exited = once(controller, 'exit');
    controller.kill('SIGTERM');
    await exited;
  }
  await stack.stop();
}
if (profileDir) await summarizeProfiles(profileDir, ['controller', 'kube-dev', 'secret-api', 'vault-dev', 'pods']);
