/**
 * When an applied workload is rolled out, from its status alone (what `kubectl rollout status` reads): pure, so
 * the wait loop in deploy only polls and prints.
 */
import type { KubeObject } from '../inject/manifests.js';

export interface RolloutState {
  done: boolean;
  /** For the progress line: `1 of 2 updated replicas available`. */
  message: string;
}

/** Kinds whose rollout deploy waits for; Jobs, CronJobs and bare Pods are applied and left to run. */
export const WAITED_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

export function rolloutState(object: KubeObject): RolloutState {
  const metadata = (object['metadata'] ?? {}) as { generation?: number };
  const spec = (object['spec'] ?? {}) as Record<string, unknown>;
  const status = (object['status'] ?? {}) as Record<string, unknown>;
  if (num(status['observedGeneration']) < num(metadata.generation)) {
    return { done: false, message: 'waiting for the controller to see the new spec' };
  }
  if (object['kind'] === 'DaemonSet') {
    const desired = num(status['desiredNumberScheduled']);
    const updated = num(status['updatedNumberScheduled']);
    const available = num(status['numberAvailable']);
    return {
      done: updated === desired && available === desired,
      message: `${Math.min(updated, available)} of ${desired} updated pods available`,
    };
  }
  const wanted = spec['replicas'] === undefined ? 1 : num(spec['replicas']);
  const updated = num(status['updatedReplicas']);
  const ready = object['kind'] === 'StatefulSet' ? num(status['readyReplicas']) : num(status['availableReplicas']);
  const total = num(status['replicas']);
  return {
    done: updated === wanted && ready === wanted && total === wanted,
    message:
      total > wanted
        ? `${total - wanted} old replicas are pending termination`
        : `${Math.min(updated, ready)} of ${wanted} updated replicas available`,
  };
}
