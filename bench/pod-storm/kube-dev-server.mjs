// kube-dev in a process of its own (its event loop is the API server's, as in production), with its simulated
// kubelet handing every init container to the pod runtime (pod-runtime.mjs) at POD_RUNTIME_URL. Writes an admin
// kubeconfig to KUBECONFIG_OUT and prints one JSON line when ready: address, CA, admin token, JWKS URL, issuer.
import http from 'node:http';
import { containerEnv, startKubeDev } from '../../apps/kube-dev/dist/index.js';

const runtime = process.env.POD_RUNTIME_URL;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** Asks the pod runtime to run one init container; resolves with its exit code (137 when the pod went away). */
function runInitContainer(run) {
  const body = JSON.stringify({
    pod: `${run.pod.metadata.namespace}/${run.pod.metadata.name}`,
    podIP: run.podIP,
    port: 8099,
    env: containerEnv(run),
  });
  return new Promise((resolve) => {
    const req = http.request(
      `${runtime}/run`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).exitCode);
          } catch {
            resolve(128);
          }
        });
        res.on('error', () => resolve(137));
      },
    );
    req.on('error', () => resolve(run.signal.aborted ? 137 : 128));
    run.signal.addEventListener('abort', () => req.destroy(), { once: true });
    req.end(body);
  });
}

const kube = await startKubeDev({ namespaces: ['apps', 'secret-system'], runInitContainer });
kube.writeKubeconfig(process.env.KUBECONFIG_OUT);
process.stdout.write(
  `${JSON.stringify({
    address: kube.address,
    caCertPem: kube.caCertPem,
    adminToken: kube.adminToken,
    jwksUri: kube.jwksUri,
    issuer: kube.issuer,
  })}\n`,
);
process.once('SIGTERM', () => {
  agent.destroy();
  kube.close().then(() => process.exit(0));
});
