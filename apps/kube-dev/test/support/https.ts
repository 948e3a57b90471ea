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
  contentType = 'application/json',
): Promise<{ status: number; body: ParsedJson }> {
  // With its length: Node sends a DELETE's body unframed otherwise (no chunked encoding for DELETE by default).
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${kube.address}${path}`,
      {
        method,
        ca: kube.caCertPem,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'content-type': contentType,
          ...(payload !== undefined ? { 'content-length': String(Buffer.byteLength(payload)) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The events of a watch on `path` (with its own `timeoutSeconds`), read until the server ends it. */
export function watchEvents<T = ParsedJson>(kube: KubeDev, path: string): Promise<{ type: string; object: T }[]> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${kube.address}${path}`,
      { ca: kube.caCertPem, headers: { authorization: `Bearer ${kube.adminToken}` } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve(
            text
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l)),
          ),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}
