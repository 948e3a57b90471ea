// Preloaded into every process bench/cli times (NODE_OPTIONS=--require): at exit, writes the process's own CPU
// time (user + system, µs) to BENCH_CPU_OUT. CPU time leaves out the time spent waiting for a core, so on a shared,
// loaded machine it compares start-up costs better than wall time does. Every case pays this preload alike; it is
// CommonJS so that it adds no ES module loader to `node -e ""`, the baseline.
/* global process, require */
'use strict';
const out = process.env.BENCH_CPU_OUT;
if (out) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writeFileSync } = require('node:fs');
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(out, String(user + system));
  });
}
