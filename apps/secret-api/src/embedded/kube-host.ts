/**
 * The embedded Kubernetes stand-in's process: kube-dev (found on disk, never imported by product code) with a
 * kubelet that runs secret-init and secret-refresh for real (pod-runner.ts). Started by kube-dev-process.ts with its settings in the
 * environment; writes one JSON line on stdout once it listens (address, CA, issuer, JWKS URL) and stops on SIGTERM.
 */
import { request } from 'node:https';
import { pathToFileURL } from 'node:url';
import { CONTAINER_STOP_MS, clearPods, podContainerRunner, type PodContainerRun } from './pod-runner.js';

/** The part of kube-dev's library this host uses (restated: product code does not import kube-dev's types). */
interface KubeDevLibrary {
  startKubeDev(options: {
    port: number;
    host: string;
    adminToken: string;
    issuer: string;
    namespaces: string[];
    podCIDR: string;
    runInitContainer: (run: PodContainerRun) => Promise<number> | undefined;
  }): Promise<{ address: string; caCertPem: string; issuer: string; jwksUri: string; close(): Promise<void> }>;
  containerEnv(run: PodContainerRun): Record<string, string>;
}

export interface KubeHostReady {
  address: string;
  caCertPem: string;
  issuer: string;
  jwksUri: string;
}

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    process.stderr.write(`kube-host: ${name} is not set\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const adminToken = setting('KUBE_HOST_ADMIN_TOKEN');
  const podsDir = setting('KUBE_HOST_PODS_DIR');
  const library = (await import(pathToFileURL(setting('KUBE_HOST_KUBE_DEV')).href)) as KubeDevLibrary;
  await clearPods(podsDir);
  let ca = '';
  let address = '';
  const readConfigMap = (namespace: string, name: string) =>
    new Promise<Record<string, string | Buffer> | undefined>((resolve, reject) => {
      const req = request(
        `${address}/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`,
        { ca, headers: { Authorization: `Bearer ${adminToken}` } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 404) return resolve(undefined);
            if (res.statusCode !== 200) return reject(new Error(`reading configmap ${name}: HTTP ${res.statusCode}`));
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              data?: Record<string, string>;
              binaryData?: Record<string, string>;
            };
            // As a kubelet does: `data` as UTF-8 text, `binaryData` (base64) as its exact bytes.
            const binary = Object.entries(body.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]);
            resolve({ ...body.data, ...Object.fromEntries(binary) });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  const containers = podContainerRunner({
    podsDir,
    secretInitBin: setting('KUBE_HOST_SECRET_INIT'),
    secretRefreshBin: setting('KUBE_HOST_SECRET_REFRESH'),
    podNetworkModule: setting('KUBE_HOST_POD_NETWORK'),
    readConfigMap,
    containerEnv: library.containerEnv,
  });
  const kube = await library.startKubeDev({
    port: 0,
    host: '127.0.0.1',
    podCIDR: setting('KUBE_HOST_POD_CIDR'),
    adminToken,
    issuer: setting('KUBE_HOST_ISSUER'),
    namespaces: setting('KUBE_HOST_NAMESPACES').split(','),
    runInitContainer: containers,
  });
  ca = kube.caCertPem;
  address = kube.address;
  const ready: KubeHostReady = {
    address: kube.address,
    caCertPem: kube.caCertPem,
    issuer: kube.issuer,
    jwksUri: kube.jwksUri,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const stop = () => {
    // The containers first: stopping the kubelet sends each SIGTERM, and the refresh sidecars revoke their pods'
    // tokens and leases while Vault still runs (the stack stops vault-dev after us).
    void kube
      .close()
      .then(() => containers.drain(CONTAINER_STOP_MS))
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`kube-host: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
