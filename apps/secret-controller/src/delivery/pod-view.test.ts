import { describe, expect, it } from 'vitest';
import { decide, podView } from './pod-view.js';

const NAMES = { init: 'secret-init', refresh: 'secret-refresh' };

function pod(
  overrides: { annotations?: Record<string, string>; status?: object; podIP?: string; deleting?: boolean } = {},
) {
  return podView(
    {
      metadata: {
        name: 'web-1',
        namespace: 'apps',
        uid: 'u-1',
        annotations: { 'secret-api.dev/role': 'myapp', ...overrides.annotations },
        ...(overrides.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      },
      spec: {
        initContainers: [{ name: 'secret-init' }, { name: 'secret-refresh', restartPolicy: 'Always' }],
        containers: [{ name: 'app' }],
      },
      status: {
        podIP: overrides.podIP ?? '10.0.0.7',
        initContainerStatuses: [
          { name: 'secret-init', restartCount: 0, state: { running: {} } },
          { name: 'secret-refresh', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
        ],
        ...overrides.status,
      },
    },
    NAMES,
  );
}

describe('what a pod needs', () => {
  it('a SecretID when its init container runs, sent to status.podIP — never to an address from an annotation', () => {
    const view = pod({ annotations: { 'secret-api.dev/intake-address': '6.6.6.6' } });
    expect(decide(view, undefined)).toEqual({ kind: 'deliver', app: 'myapp', podIP: '10.0.0.7', restartCount: 0 });
  });

  it('nothing once served for this run of the init container; again after it restarted', () => {
    expect(decide(pod(), 0).kind).toBe('none');
    expect(decide(pod({ annotations: { 'secret-api.dev/secret-id-delivered': '0' } }), undefined).kind).toBe('none');
    const restarted = pod({
      annotations: { 'secret-api.dev/secret-id-delivered': '0' },
      status: { initContainerStatuses: [{ name: 'secret-init', restartCount: 1, state: { running: {} } }] },
    });
    expect(decide(restarted, 0)).toMatchObject({ kind: 'deliver', restartCount: 1 });
  });

  it('nothing for pods without the role, with a role that is no app name, or being deleted', () => {
    expect(decide(pod({ annotations: { 'secret-api.dev/role': 'Not An App!' } }), undefined).kind).toBe('none');
    expect(decide(pod({ deleting: true }), undefined).kind).toBe('none');
    const unannotated = podView({ metadata: { name: 'x', namespace: 'apps', uid: 'u' } }, NAMES);
    expect(decide(unannotated, undefined).kind).toBe('none');
  });

  it('a restart when the refresh sidecar exited non-zero or crash-loops', () => {
    const exited = pod({
      status: {
        initContainerStatuses: [
          { name: 'secret-init', restartCount: 0, state: { terminated: { exitCode: 0 } } },
          { name: 'secret-refresh', restartCount: 0, state: { terminated: { exitCode: 1 } } },
        ],
      },
    });
    expect(decide(exited, 0)).toEqual({ kind: 'restart', message: 'container secret-refresh exited with code 1' });
    const looping = pod({
      status: {
        initContainerStatuses: [
          { name: 'secret-refresh', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    });
    expect(decide(looping, 0)).toEqual({ kind: 'restart', message: 'container secret-refresh is in CrashLoopBackOff' });
  });
});
