// The pods' side of the storm, in a process of its own (as pods are not the API server): kube-dev's simulated
// kubelet asks it to run each init container (`POST /run`, answered with the exit code when the container ends).
// A container here is a lightweight intake that does on the wire what secret-init does — listen on the pod IP,
// take the wrapped SecretID, unwrap it and log in to Vault *from the pod IP* (the SecretID is bound to it) —
// without starting a thousand Node processes. Prints one JSON line when ready, then one line per container:
// {"served": "<pod>"} or {"failed": "<pod>", "why": "..."} (never a token).
import http from 'node:http';

/** A JSON call to Vault from the pod's own address (a connection of its own, as from a fresh pod). */
function vaultCall(url, { method, headers = {}, body, localAddress }) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: { 'Content-Type': 'application/json', ...headers }, localAddress, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode, body: text ? JSON.parse(text) : undefined });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

const report = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** Runs one init container until its SecretID has logged in (0) or failed (1); `stopped` ends it early. */
function runIntake({ pod, podIP, port, env }, stopped) {
  return new Promise((resolve) => {
    let finished = false;
    const finish = (code, line) => {
      if (finished) return;
      finished = true;
      server.close();
      if (line) report(line);
      resolve(code);
    };
    const server = http.createServer(async (req, res) => {
      if (req.method !== 'POST' || req.url !== '/secret-id') return res.writeHead(404).end();
      try {
        const { wrappingToken } = await readJson(req);
        const unwrapped = await vaultCall(`${env.VAULT_ADDR}/v1/sys/wrapping/unwrap`, {
          method: 'POST',
          headers: { 'X-Vault-Token': wrappingToken },
          localAddress: podIP,
        });
        if (unwrapped.status !== 200) {
          // As secret-init: a token already used means someone else had it first.
          res.writeHead(unwrapped.status === 400 ? 409 : 502).end();
          return finish(1, { failed: pod, why: `unwrap answered ${unwrapped.status}` });
        }
        const login = await vaultCall(`${env.VAULT_ADDR}/v1/auth/approle/login`, {
          method: 'POST',
          body: { role_id: env.VAULT_ROLE_ID, secret_id: unwrapped.body.data.secret_id },
          localAddress: podIP,
        });
        if (login.status !== 200) {
          res.writeHead(502).end();
          return finish(1, { failed: pod, why: `login answered ${login.status}` });
        }
        res.writeHead(204).end();
        finish(0, { served: pod });
      } catch (err) {
        res.writeHead(502).end();
        finish(1, { failed: pod, why: err.message });
      }
    });
    server.on('error', (err) => finish(1, { failed: pod, why: `listen: ${err.code ?? err.message}` }));
    server.listen(port, podIP);
    stopped.then(() => finish(137));
  });
}

const control = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/run') return res.writeHead(404).end();
  let spec;
  try {
    spec = await readJson(req);
  } catch {
    return res.writeHead(400).end();
  }
  // kube-dev closes the request when the pod is deleted: the container stops.
  const stopped = new Promise((resolve) => res.on('close', resolve));
  const exitCode = await runIntake(spec, stopped);
  if (!res.destroyed) res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ exitCode }));
});
control.listen(0, '127.0.0.1', () => {
  report({ address: `http://127.0.0.1:${control.address().port}` });
});
process.once('SIGTERM', () => {
  control.closeAllConnections();
  control.close(() => process.exit(0));
});
