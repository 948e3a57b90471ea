/**
 * When an applied workload is rolled out, from its status alone (what `kubectl rollout status` reads): pure, so
 * the wait loop in deploy only polls and prints.
 */
import type { KubeObject } from '../inject/manifests.js';

export interface RolloutState {
  done: boolean;
  /**
   * Set when Kubernetes gave up on the rollout (a Deployment's Progressing condition with reason
   * ProgressDeadlineExceeded, what `kubectl rollout status` fails on): waiting longer changes nothing.
   */
  failed?: string;
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
  if (object['kind'] === 'Deployment') {
    const conditions = Array.isArray(status['conditions']) ? (status['conditions'] as Record<string, unknown>[]) : [];
    const stalled = conditions.find((c) => c['type'] === 'Progressing' && c['reason'] === 'ProgressDeadlineExceeded');
    if (stalled) {
      const deadline =
        typeof spec['progressDeadlineSeconds'] === 'number' ? ` (${spec['progressDeadlineSeconds']} s)` : '';
      return {
        done: false,
        failed: `exceeded its progress deadline${deadline}`,
        message: String(stalled['message'] ?? ''),
      };
    }
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

type Obj = Record<string, unknown>;

/** The workload's pod selector (`spec.selector.matchLabels`) as a label selector; undefined when it has none. */
export function podSelector(workload: KubeObject): string | undefined {
  const selector = ((workload['spec'] ?? {}) as Obj)['selector'] as Obj | undefined;
  const labels = selector?.['matchLabels'] as Record<string, string> | undefined;
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * Why pods are not ready, from their container statuses: a container waiting for a reason other than a normal start
 * (CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError, …), with its last exit code when it has one. One
 * line per pod and container, at most `max`, so a timeout says what to look at rather than only that it timed out.
 */
export function podProblems(pods: readonly KubeObject[], max = 5): string[] {
  const normal = new Set(['ContainerCreating', 'PodInitializing']);
  const out: string[] = [];
  for (const pod of pods) {
    const name = String(((pod['metadata'] ?? {}) as Obj)['name'] ?? '(unnamed)');
    const status = (pod['status'] ?? {}) as Obj;
    for (const key of ['initContainerStatuses', 'containerStatuses']) {
      for (const c of (Array.isArray(status[key]) ? status[key] : []) as Obj[]) {
        const waiting = ((c['state'] ?? {}) as Obj)['waiting'] as Obj | undefined;
        const reason = waiting?.['reason'];
        if (typeof reason !== 'string' || normal.has(reason)) continue;
        const last = ((c['lastState'] ?? {}) as Obj)['terminated'] as Obj | undefined;
        const exit = typeof last?.['exitCode'] === 'number' ? `, last exit code ${String(last['exitCode'])}` : '';
        out.push(`pod ${name}: container ${String(c['name'])} ${reason}${exit}`);
      }
    }
  }
  return out.slice(0, max);
}
