/**
 * `kube-dev server [--host H] [--port P] [--kubeconfig PATH] [--issuer URL] [--pod-cidr CIDR]`: runs
 * the server until SIGINT/SIGTERM. `kube-dev kubeconfig --server URL` prints a
 * kubeconfig. Tokens come from KUBE_DEV_ADMIN_TOKEN, never from argv.
 */
import { parseArgs } from 'node:util';
import { renderKubeconfig } from './kubeconfig.js';
import { startKubeDev } from './server.js';

const USAGE = `Usage:
  kube-dev server [--host 127.0.0.1] [--port 6443] [--kubeconfig PATH] [--issuer URL] [--namespace NS...]
                  [--pod-cidr 127.10.0.0/16]
      Starts an in-memory Kubernetes API server (the subset our tests need) with a simulated node whose pods
      get IPs from --pod-cidr (a /16 or /24 inside 127.0.0.0/8).
      The admin token is KUBE_DEV_ADMIN_TOKEN, or random; --kubeconfig writes a kubeconfig (mode 0600).
  kube-dev kubeconfig --server URL [--namespace NS]
      Prints a kubeconfig for the admin token in KUBE_DEV_ADMIN_TOKEN.
`;

function fail(message: string): never {
  process.stderr.write(`kube-dev: ${message}\n\n${USAGE}`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        kubeconfig: { type: 'string' },
        issuer: { type: 'string' },
        server: { type: 'string' },
        namespace: { type: 'string', multiple: true },
        'pod-cidr': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  const adminToken = process.env['KUBE_DEV_ADMIN_TOKEN'] || undefined;
  if (command === 'kubeconfig') {
    if (typeof values['server'] !== 'string') fail('--server is required');
    if (!adminToken) fail('KUBE_DEV_ADMIN_TOKEN is not set');
    const ns = (values['namespace'] as string[] | undefined)?.[0];
    process.stdout.write(
      renderKubeconfig({ server: values['server'], token: adminToken, ...(ns ? { namespace: ns } : {}) }),
    );
    return;
  }
  if (command !== 'server') fail(`unknown command "${command}"`);
  const port = values['port'] === undefined ? 6443 : Number(values['port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port ${String(values['port'])}`);
  let kube;
  try {
    kube = await startKubeDev({
      port,
      host: (values['host'] as string | undefined) ?? '127.0.0.1',
      ...(adminToken ? { adminToken } : {}),
      ...(typeof values['issuer'] === 'string' ? { issuer: values['issuer'] } : {}),
      ...(values['namespace'] ? { namespaces: values['namespace'] as string[] } : {}),
      ...(typeof values['pod-cidr'] === 'string' ? { podCIDR: values['pod-cidr'] } : {}),
    });
  } catch (err) {
    fail(`cannot start: ${(err as Error).message}`);
  }
  const lines = [
    `kube-dev listening on ${kube.address} (node ${kube.nodeName})`,
    `issuer ${kube.issuer}, JWKS ${kube.jwksUri}`,
  ];
  if (typeof values['kubeconfig'] === 'string') {
    kube.writeKubeconfig(values['kubeconfig']);
    lines.push(`kubeconfig written: export KUBECONFIG=${values['kubeconfig']}`);
  } else {
    lines.push(
      'no --kubeconfig given: the admin token is in KUBE_DEV_ADMIN_TOKEN if you set it, else use --kubeconfig',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = () => {
    void kube.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main(process.argv.slice(2));
