/** The few Kubernetes API calls the embedded stack makes itself (as the stand-in's admin), over https with its CA. */
import { request } from 'node:https';

export interface KubeEndpoint {
  address: string;
  caCertPem: string;
  adminToken: string;
}

export class KubeCallError extends Error {
  override name = 'KubeCallError';
}

/** POSTs a JSON object; a 409 (it exists) answers undefined, any other failure throws naming the path. */
export function kubePost<T>(kube: KubeEndpoint, path: string, body: unknown): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${kube.address}${path}`,
      {
        method: 'POST',
        ca: kube.caCertPem,
        headers: { Authorization: `Bearer ${kube.adminToken}`, 'Content-Type': 'application/json' },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 409) return resolve(undefined);
          if (res.statusCode !== 200 && res.statusCode !== 201) {
            const message = (JSON.parse(text || '{}') as { message?: string }).message ?? `HTTP ${res.statusCode}`;
            return reject(new KubeCallError(`POST ${path}: ${message}`));
          }
          resolve(JSON.parse(text) as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new KubeCallError(`POST ${path}: no answer within 10 s`)));
    req.on('error', (err) =>
      reject(err instanceof KubeCallError ? err : new KubeCallError(`POST ${path}: ${err.message}`)),
    );
    req.end(JSON.stringify(body));
  });
}
