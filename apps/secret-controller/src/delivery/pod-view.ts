/**
 * What the controller keeps of a pod (the informer's transform, like client-go's SetTransform): names, our
 * annotations, the pod IP and the two containers it cares about. A thousand pods stay a few hundred KiB.
 * Pure functions over it decide what a pod needs.
 */
import { ANNOTATIONS, isAppName } from '../config.js';
import type { KubeObject } from '../kube/client.js';

export interface ContainerView {
  name: string;
  /** Declared as a native sidecar (init container with restartPolicy Always) or a regular container. */
  sidecar: boolean;
  running: boolean;
  restartCount: number;
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
  const terminated = state['terminated'] as Obj | undefined;
  const waiting = state['waiting'] as Obj | undefined;
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

export type PodAction =
  | { kind: 'none'; why: string }
  | { kind: 'deliver'; app: string; podIP: string; restartCount: number }
  | { kind: 'restart'; message: string };

/**
 * The one decision per pod. `servedFor`: the init container restartCount this replica already delivered for, if any;
 * `claimedFor`: the one this replica wrote the `secret-id-delivered` annotation for (written *before* a SecretID
 * is asked for — see reconcile-pod.ts). The annotation stops every replica but the one that wrote it.
 */
export function decide(pod: PodView, servedFor: number | undefined, claimedFor?: number): PodAction {
  if (pod.role === undefined) return { kind: 'none', why: 'no role annotation' };
  if (pod.deleting) return { kind: 'none', why: 'being deleted' };
  if (!isAppName(pod.role)) return { kind: 'none', why: `role annotation is not an app name` };
  const refresh = pod.refresh;
  if (refresh?.sidecar) {
    if (refresh.waitingReason === 'CrashLoopBackOff') {
      return { kind: 'restart', message: `container ${refresh.name} is in CrashLoopBackOff` };
    }
    if (refresh.exitCode !== undefined && refresh.exitCode !== 0) {
      return { kind: 'restart', message: `container ${refresh.name} exited with code ${refresh.exitCode}` };
    }
  }
  const init = pod.init;
  if (!init) return { kind: 'none', why: 'no init container to deliver to' };
  if (!init.running) return { kind: 'none', why: 'init container not running' };
  if (!pod.podIP) return { kind: 'none', why: 'no pod IP yet' };
  if (servedFor !== undefined && servedFor >= init.restartCount) return { kind: 'none', why: 'already served' };
  const ours = claimedFor !== undefined && claimedFor >= init.restartCount;
  if (!ours && pod.deliveredFor !== undefined && pod.deliveredFor >= init.restartCount) {
    return { kind: 'none', why: 'already claimed for this run of the init container (annotation)' };
  }
  return { kind: 'deliver', app: pod.role, podIP: pod.podIP, restartCount: init.restartCount };
}
