#!/usr/bin/env node
/**
 * What a data dir costs per request: 1,000 sequential KV v2 writes (distinct
 * keys, so the state grows to 1,000 keys) over HTTP against the built server
 * (`npm run build` first), in memory and with `dataDir`, three rounds each.
 *
 *   node apps/vault-dev/bench/persist-writes.mjs [writes]
 */
/* global process, performance, fetch, console */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVaultDev } from '../dist/index.js';

const writes = Number(process.argv[2] ?? 1000);

async function run(withDataDir) {
  const dir = withDataDir ? mkdtempSync(join(tmpdir(), 'vault-dev-bench-')) : undefined;
  const vault = await startVaultDev({ rootToken: 'root', ...(dir ? { dataDir: join(dir, 'vault') } : {}) });
  try {
    const headers = { 'X-Vault-Token': 'root', 'Content-Type': 'application/json' };
    // Time spent in commit (change detection plus the journal append and fdatasync).
    const persist = vault.core.persist;
    const commit = persist.commit.bind(persist);
    let inCommit = 0;
    persist.commit = () => {
      const t = performance.now();
      commit();
      inCommit += performance.now() - t;
    };
    const started = performance.now();
    for (let i = 0; i < writes; i++) {
      const res = await fetch(`${vault.address}/v1/secret/data/bench/key-${i}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ data: { value: `v-${i}`, n: i } }),
      });
      if (res.status !== 200) throw new Error(`write ${i}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    const total = performance.now() - started;
    // A read changes nothing: its commit is pure change detection over the whole state.
    const idleStart = performance.now();
    for (let i = 0; i < 200; i++) commit();
    const idle = (performance.now() - idleStart) / 200;
    return { total, inCommit: inCommit / writes, idle };
  } finally {
    await vault.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

for (const withDataDir of [false, true]) {
  const rounds = [];
  for (let r = 0; r < 3; r++) rounds.push(await run(withDataDir));
  const best = rounds.reduce((a, b) => (b.total < a.total ? b : a));
  const us = (ms) => `${(ms * 1000).toFixed(0)} µs`;
  // eslint-disable-next-line no-console -- the report is the point
  console.log(
    `${withDataDir ? 'data dir ' : 'in memory'}: ${writes} writes, best of 3 ${best.total.toFixed(0)} ms ` +
      `(${us(best.total / writes)}/write; rounds ${rounds.map((r) => r.total.toFixed(0)).join(', ')} ms)` +
      (withDataDir
        ? `; in commit ${us(best.inCommit)}/write; a commit with nothing to write at ${writes} keys: ${us(best.idle)}`
        : ''),
  );
}
