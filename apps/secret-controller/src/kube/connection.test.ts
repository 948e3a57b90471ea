import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigConnection } from './connection.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
  await mkdir(join(dir, 'team'));
  await writeFile(join(dir, 'team', 'token'), 'from-the-token-file\n');
  // The first file names the context; the second defines it, its cluster and its user (a token file next to it).
  await writeFile(
    join(dir, 'first.yaml'),
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: dev',
      'clusters: [{ name: shadowed, cluster: { server: "https://first.example:6443" } }]',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'team', 'second.yaml'),
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: other',
      'contexts: [{ name: dev, context: { cluster: shadowed, user: dev-user } }]',
      'clusters: [{ name: shadowed, cluster: { server: "https://second.example:6443" } }]',
      'users: [{ name: dev-user, user: { tokenFile: token } }]',
    ].join('\n'),
  );
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('KUBECONFIG as a list of files (merged as kubectl merges them)', () => {
  it('takes current-context and each named entry from the first file that sets it; paths are relative to their file', async () => {
    const list = [join(dir, 'missing.yaml'), join(dir, 'first.yaml'), '', join(dir, 'team', 'second.yaml')];
    const connection = await kubeconfigConnection(list.join(delimiter));
    expect(connection.server).toBe('https://first.example:6443');
    expect(connection.token()).toBe('from-the-token-file');
  });

  it('reads a single file alone: a context it does not define is an error naming it', async () => {
    await expect(kubeconfigConnection(join(dir, 'team', 'second.yaml'))).rejects.toThrow(/no context named other/);
  });

  it('fails as an unreadable file does when none of its files exists (the caller names KUBECONFIG)', async () => {
    const list = [join(dir, 'a.yaml'), join(dir, 'b.yaml')].join(delimiter);
    await expect(kubeconfigConnection(list)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
