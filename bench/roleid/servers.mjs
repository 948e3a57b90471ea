// Child-process servers for the RoleID benchmark. Each gets its own process (and event loop) so that
// neither shares a core's time slice with autocannon in the parent, nor with the other: in production
// the Secret API and Vault are separate processes too.
//   node servers.mjs vault-dev   -> vault-dev (built library) with root token "root"
//   node servers.mjs secret-api  -> the Secret API (built library); its environment is the JSON in BENCH_API_ENV
// Each prints one JSON line {"address": ...} when ready, and shuts down cleanly on SIGTERM so that
// `--cpu-prof` gets to write its profile and the database sees its connections closed.
import { Writable } from 'node:stream';

const kind = process.argv[2];

// BENCH_MEMORY_EVERY_MS=N: one line of process.memoryUsage() (MiB) on stderr every N ms, to tell the JS heap from
// memory outside it (buffers, WebAssembly, native allocations) when RSS moves.
const memoryEvery = Number(process.env.BENCH_MEMORY_EVERY_MS ?? 0);
if (memoryEvery > 0) {
  const mib = (n) => Math.round(n / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    const fields = Object.entries(m).map(([k, v]) => `${k} ${mib(v)}`);
    process.stderr.write(`${kind} memory (MiB): ${fields.join(', ')}\n`);
  }, memoryEvery).unref();
}

function closeOnSignal(close) {
  process.once('SIGTERM', () => {
    close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`${kind}: close failed: ${err?.message ?? err}\n`);
        process.exit(1);
      },
    );
  });
}

if (kind === 'vault-dev') {
  const { startVaultDev } = await import('../../apps/vault-dev/dist/index.js');
  const vault = await startVaultDev({ rootToken: 'root', lockout: { disabled: true } });
  closeOnSignal(() => vault.close());
  process.stdout.write(`${JSON.stringify({ address: vault.address })}\n`);
} else if (kind === 'secret-api') {
  const { parseConfig, startSecretApi } = await import('../../apps/secret-api/dist/index.js');
  // Logging at warn still builds each request's child logger; discarding the output keeps the write
  // syscall (which a real deployment pays, but to a pipe) out of the comparison.
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  const api = await startSecretApi(parseConfig(JSON.parse(process.env.BENCH_API_ENV)), {
    logDestination: discard,
    defaultMetrics: false,
  });
  closeOnSignal(() => api.close());
  process.stdout.write(`${JSON.stringify({ address: api.url })}\n`);
} else {
  process.stderr.write('usage: servers.mjs vault-dev|secret-api\n');
  process.exit(2);
}
