/** A small JSON client over kube-dev's https, trusting its self-signed certificate. */
import { request } from 'node:https';
import type { KubeDev } from '../../src/index.js';

/** Whatever JSON.parse returns: the assertions read the fields they check. */
type ParsedJson = ReturnType<typeof JSON.parse>;

export async function call(
  kube: KubeDev,
  method: string,
  path: string,
  body?: unknown,
  token = kube.adminToken,
): Promise<{ status: number; body: ParsedJson }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${kube.address}${path}`,
      {
        method,
        ca: kube.caCertPem,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
