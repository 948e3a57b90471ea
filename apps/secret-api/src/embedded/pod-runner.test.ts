import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { podContainerRunner, projected } from './pod-runner.js';

describe('configMap volume projection (the embedded kubelet)', () => {
  const data = { 'ca.pem': 'PEM', 'app.conf': 'x', '..data': 'skipped' };

  it('writes every key under its own name, skipping names no kubelet would write', () => {
    expect(projected(data, { name: 'cm' })).toEqual([
      ['ca.pem', 'PEM'],
      ['app.conf', 'x'],
    ]);
  });

  it('with items, writes only the listed keys, each at its path', () => {
    expect(projected(data, { name: 'cm', items: [{ key: 'ca.pem', path: 'ca.crt' }] })).toEqual([['ca.crt', 'PEM']]);
    expect(projected(data, { name: 'cm', items: [{ key: 'ca.pem', path: '../escape' }] })).toEqual([]);
  });

  it('a listed key the ConfigMap lacks fails the pod, unless the volume is optional', () => {
    expect(() => projected(data, { name: 'cm', items: [{ key: 'nope', path: 'x' }] })).toThrow(
      'configmap cm has no key nope',
    );
    expect(projected(data, { name: 'cm', optional: true, items: [{ key: 'nope', path: 'x' }] })).toEqual([]);
  });
});

describe("a deleted pod's volumes (the embedded kubelet)", () => {
  // Stand-ins for the two programs: secret-init renders a file and exits, secret-refresh runs until SIGTERM.
  const programs = async (dir: string) => {
    const init = join(dir, 'init.mjs');
    const refresh = join(dir, 'refresh.mjs');
    const network = join(dir, 'network.mjs');
    await writeFile(
      init,
      "import { writeFileSync } from 'node:fs';\n" +
        "writeFileSync(process.env.SECRET_INIT_OUTPUT_DIR + '/app.conf', 'api_key = rendered');\n",
    );
    await writeFile(
      refresh,
      "console.log('refreshing');\n" +
        "process.on('SIGTERM', () => { console.log('revoked'); process.exit(0); });\nsetInterval(() => {}, 1000);\n",
    );
    await writeFile(network, '');
    return { secretInitBin: init, secretRefreshBin: refresh, podNetworkModule: network };
  };
  const pod = (uid: string) => ({
    metadata: { name: 'web-1', namespace: 'apps', uid },
    spec: { volumes: [{ name: 'secrets', emptyDir: { medium: 'Memory' } }] },
  });
  const container = (name: string) => ({ name, volumeMounts: [{ name: 'secrets', mountPath: '/etc/secrets' }] });

  it('are removed once its containers stopped; its logs stay, and a new pod of the same name keeps its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pod-runner-'));
    try {
      const podsDir = join(dir, 'pods');
      const runner = podContainerRunner({
        podsDir,
        ...(await programs(dir)),
        readConfigMap: () => Promise.resolve(undefined),
        containerEnv: () => ({}),
      });
      const rendered = join(podsDir, 'apps', 'web-1', 'volumes', 'secrets', 'app.conf');
      const first = new AbortController();
      const run = (uid: string, signal: AbortSignal, name: string) =>
        runner({ pod: pod(uid), container: container(name), podIP: '127.0.0.1', signal });

      expect(await run('first', first.signal, 'secret-init')).toBe(0);
      expect(await readFile(rendered, 'utf8')).toBe('api_key = rendered');
      const sidecar = run('first', first.signal, 'secret-refresh');
      const log = join(podsDir, 'apps', 'web-1', 'secret-refresh.log');
      await vi.waitFor(async () => expect(await readFile(log, 'utf8')).toContain('refreshing'), { timeout: 10_000 });

      first.abort();
      await sidecar;
      await runner.drain(5_000);
      expect(existsSync(rendered)).toBe(false);
      expect(existsSync(join(podsDir, 'apps', 'web-1', 'volumes'))).toBe(false);
      expect(await readFile(log, 'utf8')).toContain('revoked');

      // Deleted while a new pod of the same name already runs in the same directory: that pod's files stay.
      const second = new AbortController();
      const third = new AbortController();
      const sidecarOfSecond = run('second', second.signal, 'secret-refresh');
      expect(await run('third', third.signal, 'secret-init')).toBe(0);
      second.abort();
      await sidecarOfSecond;
      await runner.drain(5_000);
      expect(await readFile(rendered, 'utf8')).toBe('api_key = rendered');
      third.abort();
      await runner.drain(5_000);
      expect(existsSync(rendered)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
