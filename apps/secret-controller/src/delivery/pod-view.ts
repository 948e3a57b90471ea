/**
 * What the controller keeps of a pod (the informer's transform, like client-go's SetTransform): names, our
 * annotations, the pod IP and the two containers it cares about. A thousand pods stay a few hundred KiB.
 * Pure functions over it decide what a pod needs.
 */
import { ANNOTATIONS, appNameProblem, isAppName } from '../config.js';
import type { KubeObject } from '../kube/client.js';

export interface ContainerView {
  name: string;
  /** Declared as a native sidecar (init container with restartPolicy Always) or a regular container. */
  sidecar: boolean;
  running: boolean;
  restartCount: number;
  /** The exit code of its last run: the one that just ended, or (restarting, waiting) the one before. */
  exitCode: number | undefined;
  waitingReason: string | undefined;
}

export interface PodView {
  namespace: string;
  name: string;
  uid: string;
  deleting: boolean;
  role: string | undefined;
  /** The init container restartCount a SecretID was delivered for (our annotation). */
  deliveredFor: number | undefined;
  podIP: string | undefined;
  init: ContainerView | undefined;
  refresh: ContainerView | undefined;
}

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

function container(pod: KubeObject, name: string): ContainerView | undefined {
  const spec = (pod['spec'] ?? {}) as Obj;
  const status = (pod['status'] ?? {}) as Obj;
  const inInit = list(spec['initContainers']).find((c) => c['name'] === name);
  const inApp = inInit ? undefined : list(spec['containers']).find((c) => c['name'] === name);
  if (!inInit && !inApp) return undefined;
  const statuses = list(status[inInit ? 'initContainerStatuses' : 'containerStatuses']);
  const s = statuses.find((c) => c['name'] === name) ?? {};
  const state = (s['state'] ?? {}) as Obj;
  const waiting = state['waiting'] as Obj | undefined;
  const last = (s['lastState'] ?? {}) as Obj;
  const terminated = (state['terminated'] ?? (waiting ? last['terminated'] : undefined)) as Obj | undefined;
  return {
    name,
    sidecar: inInit ? inInit['restartPolicy'] === 'Always' : true,
    running: state['running'] !== undefined,
    restartCount: typeof s['restartCount'] === 'number' ? s['restartCount'] : 0,
    exitCode: typeof terminated?.['exitCode'] === 'number' ? terminated['exitCode'] : undefined,
    waitingReason: typeof waiting?.['reason'] === 'string' ? waiting['reason'] : undefined,
  };
}

export function podView(pod: KubeObject, containers: { init: string; refresh: string }): PodView {
  const annotations = pod.metadata.annotations ?? {};
  const delivered = annotations[ANNOTATIONS.delivered];
  const podIP = ((pod['status'] ?? {}) as Obj)['podIP'];
  const role = annotations[ANNOTATIONS.role];
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
    deleting: pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    role,
    deliveredFor: delivered !== undefined && /^[0-9]+$/.test(delivered) ? Number(delivered) : undefined,
    podIP: typeof podIP === 'string' && podIP !== '' ? podIP : undefined,
    // Only pods with the role annotation matter; the others are not worth their containers' state.
    init: role === undefined ? undefined : container(pod, containers.init),
    refresh: role === undefined ? undefined : container(pod, containers.refresh),
  };
}

/** secret-refresh's exit code for "the token or a lease can no longer be kept alive" (its README). */
export const REFRESH_GAVE_UP = 2;
/** Restarts of a crash-looping refresh sidecar after which the pod is replaced rather than left to the kubelet. */
export const CRASH_LOOPS_BEFORE_RESTART = 3;

export type PodAction =
  | { kind: 'none'; why: string }
  | { kind: 'deliver'; app: string; podIP: string; restartCount: number }
  /** Waiting, but its run was claimed by another replica (an earlier leader): see reconcile-pod.ts. */
  | { kind: 'claimedElsewhere'; app: string; podIP: string; restartCount: number }
  | { kind: 'restart'; message: string }
  /** A pod waiting for a SecretID that it cannot get: said once per run of its init container, as a Warning. */
  | { kind: 'refuse'; restartCount: number; message: string };

/**
 * The one decision per pod. `servedFor`: the init container restartCount this replica already delivered for, if any;
 * `claimedFor`: the one this replica wrote the `secret-id-delivered` annotation for (written *before* a SecretID
 * is asked for — see reconcile-pod.ts). The annotation stops every replica but the one that wrote it.
 */
export function decide(pod: PodView, servedFor: number | undefined, claimedFor?: number): PodAction {
  if (pod.role === undefined) return { kind: 'none', why: 'no role annotation' };
  if (pod.deleting) return { kind: 'none', why: 'being deleted' };
  if (!isAppName(pod.role)) {
    const init = pod.init;
    // Said to the pod that waits for a SecretID, so its owner learns why it never comes.
    if (!init?.running || !pod.podIP) return { kind: 'none', why: 'role annotation is not an app name' };
    const shown = JSON.stringify(pod.role.length > 64 ? `${pod.role.slice(0, 64)}…` : pod.role);
    return {
      kind: 'refuse',
      restartCount: init.restartCount,
      message: `annotation ${ANNOTATIONS.role} ${shown} is not an app name (${appNameProblem(pod.role)}): no SecretID is delivered`,
    };
  }
  const refresh = pod.refresh;
  if (refresh?.sidecar && !refresh.running) {
    // Exit 2 is secret-refresh saying the token or a lease can no longer be kept alive: only a new pod gets new ones.
    if (refresh.exitCode === REFRESH_GAVE_UP) {
      return {
        kind: 'restart',
        message: `container ${refresh.name} can no longer keep the pod's credentials alive (exit code ${REFRESH_GAVE_UP})`,
      };
    }
    // Any other exit (killed, out of memory) the kubelet restarts it from, and it takes the same token up again;
    // the pod goes only when that keeps failing.
    if (refresh.waitingReason === 'CrashLoopBackOff' && refresh.restartCount >= CRASH_LOOPS_BEFORE_RESTART) {
      const code = refresh.exitCode === undefined ? '' : `, last exit code ${refresh.exitCode}`;
      return {
        kind: 'restart',
        message: `container ${refresh.name} keeps failing (restarted ${refresh.restartCount} times${code})`,
      };
    }
  }
  const init = pod.init;
  if (!init) return { kind: 'none', why: 'no init container to deliver to' };
  if (!init.running) return { kind: 'none', why: 'init container not running' };
  if (!pod.podIP) return { kind: 'none', why: 'no pod IP yet' };
  if (servedFor !== undefined && servedFor >= init.restartCount) return { kind: 'none', why: 'already served' };
  const ours = claimedFor !== undefined && claimedFor >= init.restartCount;
  if (!ours && pod.deliveredFor !== undefined && pod.deliveredFor >= init.restartCount) {
    return { kind: 'claimedElsewhere', app: pod.role, podIP: pod.podIP, restartCount: init.restartCount };
  }
  return { kind: 'deliver', app: pod.role, podIP: pod.podIP, restartCount: init.restartCount };
}
