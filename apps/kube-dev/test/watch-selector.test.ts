/** A watch with a label selector: an object moving out of it is a DELETED of the object as the watcher last saw it. */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeDev, type KubeDev } from '../src/index.js';
import { call, watchEvents } from './support/https.js';

let kube: KubeDev;

beforeAll(async () => {
  kube = await startKubeDev({ namespaces: ['apps'] });
});
afterAll(async () => kube?.close());

type WatchedConfigMap = {
  metadata: { labels: Record<string, string>; resourceVersion: string };
  data: Record<string, string>;
};

const watch = (path: string) => watchEvents<WatchedConfigMap>(kube, path);

describe('watch with a label selector', () => {
  it('sends ADDED when an object moves in, and DELETED with its last matching state when it moves out', async () => {
    const created = await call(kube, 'POST', '/api/v1/namespaces/apps/configmaps', {
      metadata: { name: 'moving', labels: { sel: 'no' } },
      data: { a: '1' },
    });
    const from = created.body.metadata.resourceVersion as string;
    const events = watch(
      `/api/v1/namespaces/apps/configmaps?watch=1&labelSelector=sel%3Dyes&resourceVersion=${from}&timeoutSeconds=1`,
    );
    await new Promise((r) => setTimeout(r, 100));
    // A merge patch of the labels and data (the JSON helper sends application/json, not a patch type).
    const merge = async (labels: Record<string, string>, data: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          `${kube.address}/api/v1/namespaces/apps/configmaps/moving`,
          {
            method: 'PATCH',
            ca: kube.caCertPem,
            headers: {
              authorization: `Bearer ${kube.adminToken}`,
              'content-type': 'application/merge-patch+json',
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(JSON.parse(text).metadata.resourceVersion as string));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ metadata: { labels }, data }));
      });
    await merge({ sel: 'yes' }, { a: '2' });
    const outRv = await merge({ sel: 'no' }, { a: '3' });
    const seen = await events;
    expect(seen.map((e) => [e.type, e.object.metadata.labels.sel, e.object.data.a])).toEqual([
      ['ADDED', 'yes', '2'],
      ['DELETED', 'yes', '2'],
    ]);
    expect(seen[1]?.object.metadata.resourceVersion).toBe(outRv);
  });
});
