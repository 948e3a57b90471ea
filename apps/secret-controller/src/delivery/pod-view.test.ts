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
    // Claimed by another replica: left to it (reconcile-pod.ts takes it over only after a grace).
    expect(decide(pod({ annotations: { 'secret-api.dev/secret-id-delivered': '0' } }), undefined).kind).toBe(
      'claimedElsewhere',
    );
    const restarted = pod({
      annotations: { 'secret-api.dev/secret-id-delivered': '0' },
      status: { initContainerStatuses: [{ name: 'secret-init', restartCount: 1, state: { running: {} } }] },
    });
    expect(decide(restarted, 0)).toMatchObject({ kind: 'deliver', restartCount: 1 });
  });

  it('nothing for pods without the role, or being deleted; a refusal, said once, for a role that is no app name', () => {
    const misnamed = pod({ annotations: { 'secret-api.dev/role': 'MyApp' } });
    expect(decide(misnamed, undefined)).toEqual({
      kind: 'refuse',
      restartCount: 0,
      message:
        'annotation secret-api.dev/role "MyApp" is not an app name (may contain only lowercase letters, digits and "-"): no SecretID is delivered',
    });
    // A reserved name says why it is none.
    const reserved = decide(pod({ annotations: { 'secret-api.dev/role': 'global' } }), undefined);
    expect(reserved).toMatchObject({ kind: 'refuse' });
    expect((reserved as { message: string }).message).toContain('"global" is not an app name (is reserved:');
    expect(decide(pod({ deleting: true }), undefined).kind).toBe('none');
    const unannotated = podView({ metadata: { name: 'x', namespace: 'apps', uid: 'u' } }, NAMES);
    expect(decide(unannotated, undefined).kind).toBe('none');
  });

  it('a restart when the refresh sidecar gave up (exit 2), or keeps failing; not for one exit the kubelet restarts from', () => {
    const refresh = (status: Record<string, unknown>) =>
      pod({ status: { initContainerStatuses: [{ name: 'secret-refresh', ...status }] } });
    expect(decide(refresh({ restartCount: 0, state: { terminated: { exitCode: 2 } } }), 0)).toEqual({
      kind: 'restart',
      message: "container secret-refresh can no longer keep the pod's credentials alive (exit code 2)",
    });
    const backingOffAfterGivingUp = refresh({
      restartCount: 1,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 2 } },
    });
    expect(decide(backingOffAfterGivingUp, 0).kind).toBe('restart');
    // Killed (137) or crashed once: the kubelet restarts the sidecar, which takes the same token up again.
    for (const exitCode of [137, 1]) {
      expect(decide(refresh({ restartCount: 0, state: { terminated: { exitCode } } }), 0).kind).toBe('none');
      const waiting = refresh({
        restartCount: 1,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode } },
      });
      expect(decide(waiting, 0).kind).toBe('none');
    }
    const looping = refresh({
      restartCount: 3,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1 } },
    });
    expect(decide(looping, 0)).toEqual({
      kind: 'restart',
      message: 'container secret-refresh keeps failing (restarted 3 times, last exit code 1)',
    });
    const runningAgain = refresh({
      restartCount: 3,
      state: { running: {} },
      lastState: { terminated: { exitCode: 2 } },
    });
    expect(decide(runningAgain, 0).kind).not.toBe('restart');
  });
});
