import { describe, expect, it } from 'vitest';
import { podProblems, podSelector } from './rollout.js';

describe("a rollout that times out says what is wrong with the workload's pods", () => {
  it('reads the selector of a Deployment', () => {
    expect(
      podSelector({ kind: 'Deployment', spec: { selector: { matchLabels: { app: 'myapp', tier: 'web' } } } }),
    ).toBe('app=myapp,tier=web');
    expect(podSelector({ kind: 'Deployment', spec: {} })).toBeUndefined();
  });

  it('names each container waiting for something other than a normal start, with its last exit code', () => {
    const pods = [
      {
        metadata: { name: 'myapp-1' },
        status: {
          initContainerStatuses: [
            {
              name: 'secret-init',
              state: { waiting: { reason: 'CrashLoopBackOff' } },
              lastState: { terminated: { exitCode: 1 } },
            },
            { name: 'secret-refresh', state: { waiting: { reason: 'PodInitializing' } } },
          ],
          containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }],
        },
      },
      {
        metadata: { name: 'myapp-2' },
        status: { containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ImagePullBackOff' } } }] },
      },
      { metadata: { name: 'myapp-3' }, status: { containerStatuses: [{ name: 'app', state: { running: {} } }] } },
    ];
    expect(podProblems(pods)).toEqual([
      'pod myapp-1: container secret-init CrashLoopBackOff, last exit code 1',
      'pod myapp-2: container app ImagePullBackOff',
    ]);
    expect(podProblems(pods, 1)).toHaveLength(1);
  });
});
