// Preloaded into the Secret API child of every API benchmark (bench/support/stack.mjs): on SIGTERM it writes one line
// to stderr with the API's event-loop delay and its garbage collections by kind. A young-generation collection
// ("scavenge") stops the API; when objects of finished requests outlive it, each one takes milliseconds and becomes
// the client's p99 (bench/README.md, "Issue 15, session 7"). CommonJS, so that it needs no loader of its own.
/* global process, require */
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { constants, monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeSync } = require('node:fs');

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
const pauses = {};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) (pauses[KINDS[entry.detail?.kind] ?? 'other'] ??= []).push(entry.duration);
}).observe({ entryTypes: ['gc'] });

const ms = (n) => n.toFixed(1);
process.once('SIGTERM', () => {
  const at = (p) => ms(delay.percentile(p) / 1e6);
  const parts = [`event-loop delay p50 ${at(50)} ms, p99 ${at(99)} ms, p99.9 ${at(99.9)} ms`];
  for (const [kind, list] of Object.entries(pauses)) {
    list.sort((a, b) => a - b);
    const total = list.reduce((sum, d) => sum + d, 0);
    parts.push(
      `${kind} ×${list.length}: p50 ${ms(list[list.length >> 1])} ms, max ${ms(list.at(-1))} ms, total ${ms(total)} ms`,
    );
  }
  writeSync(2, `secret-api GC (whole run, warm-ups included): ${parts.join('; ')}\n`);
});
