import { describe, expect, it } from 'vitest';
import { podView } from '../delivery/pod-view.js';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { SidecarRestarts } from './sidecar-restarts.js';

const pod = podView(
  {
    metadata: { name: 'web-1', namespace: 'apps', uid: 'u-1', annotations: { 'secret-api.dev/role': 'myapp' } },
    spec: { containers: [{ name: 'app' }] },
    status: {},
  },
  { init: 'secret-init', refresh: 'secret-refresh' },
);

function restarts(ready: () => boolean) {
  const deleted: string[] = [];
  const requeued: number[] = [];
  const warnings: string[] = [];
  const restarter = new SidecarRestarts({
    kube: { delete: async (path: string) => void deleted.push(path) },
    events: { record: () => undefined },
    queue: { addAfter: (_key: string, ms: number) => void requeued.push(ms) },
    metrics: createMetrics({ defaultMetrics: false }),
    log: createLogger('warn', (line) => void warnings.push(JSON.parse(line).msg)),
    restartsPerMinute: 60,
    canServeNewPods: async () => ready(),
    readinessTtlMs: 50,
  });
  return { restarter, deleted, requeued, warnings };
}

describe('restarting a pod whose refresh sidecar failed', () => {
  it('is held while a new pod could not start (Vault or the Secret API down), said once, and done once it could', async () => {
    let ready = false;
    const r = restarts(() => ready);
    await r.restarter.restart('apps/web-1', pod, 'exit 2');
    await r.restarter.restart('apps/web-1', pod, 'exit 2');
    expect(r.deleted).toEqual([]);
    expect(r.requeued).toEqual([10_000, 10_000]);
    expect(r.warnings.filter((w) => w.startsWith('holding the restart'))).toHaveLength(1);

    ready = true;
    await new Promise((resolve) => setTimeout(resolve, 60)); // past the time one readiness answer is kept
    await r.restarter.restart('apps/web-1', pod, 'exit 2');
    expect(r.deleted).toEqual(['/api/v1/namespaces/apps/pods/web-1']);
  });
});
