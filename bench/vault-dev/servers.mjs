// Child-process servers for the benchmark, so the load generator does not share an event loop with them.
//   node servers.mjs baseline   -> a trivial node:http JSON server
//   node servers.mjs vault-dev  -> vault-dev (built library) with root token "root"
// Each prints one JSON line {"address": ...} when ready.
import http from 'node:http';

const kind = process.argv[2];

if (kind === 'baseline') {
  const body = JSON.stringify({ request_id: '00000000-0000-0000-0000-000000000000', data: { data: { value: 'x' } } });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ address: `http://127.0.0.1:${server.address().port}` })}\n`);
  });
} else if (kind === 'vault-dev') {
  const { startVaultDev } = await import('../../apps/vault-dev/dist/index.js');
  const vault = await startVaultDev({ rootToken: 'root', lockout: { disabled: true } });
  process.stdout.write(`${JSON.stringify({ address: vault.address })}\n`);
} else {
  process.stderr.write('usage: servers.mjs baseline|vault-dev\n');
  process.exit(2);
}
