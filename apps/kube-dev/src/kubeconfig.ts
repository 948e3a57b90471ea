/** A kubeconfig that kubectl and client-node both accept: https with the server's certificate as the CA, the token inline. */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  token: string;
  /** PEM of the CA to trust; without it the kubeconfig skips TLS verification. */
  caCertPem?: string;
  namespace?: string;
  name?: string;
}

export function renderKubeconfig(input: KubeconfigInput): string {
  const name = input.name ?? 'kube-dev';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    clusters: [
      {
        name,
        cluster: input.caCertPem
          ? { server: input.server, 'certificate-authority-data': Buffer.from(input.caCertPem).toString('base64') }
          : { server: input.server, 'insecure-skip-tls-verify': true },
      },
    ],
    // The token inline: client-go reads `tokenFile`, client-node `token-file`.
    users: [{ name, user: { token: input.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: input.namespace ?? 'default' } }],
    preferences: {},
  });
}

/** Writes the kubeconfig with mode 0600: it holds the admin token. */
export function writeKubeconfig(path: string, input: KubeconfigInput): string {
  writeFileSync(path, renderKubeconfig(input), { mode: 0o600 });
  return path;
}
