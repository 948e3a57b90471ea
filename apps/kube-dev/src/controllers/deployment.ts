/**
 * A ReplicaSet-less deployment controller: pods are created straight from the
 * template with a `pod-template-hash` label, pods of an older template are
 * removed once the new ones are ready, and the status carries what
 * `kubectl rollout status` reads (observedGeneration and the replica counts).
 */
import { createHash } from 'node:crypto';
import { formatTime, randomSuffix } from '../api/meta.js';
import { deepEqual, isPlainObject, type KubeObject } from '../api/object.js';
import type { Registry } from '../registry/generic.js';
import { deployments, pods } from '../registry/index.js';
import { groupResource } from '../registry/types.js';

type Obj = Record<string, unknown>;

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A short, label-safe hash of the pod template, like pod-template-hash. */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += HASH_ALPHABET[(digest[i] as number) % HASH_ALPHABET.length];
  return out;
}

function isReady(pod: KubeObject): boolean {
  const conditions = (pod['status'] as Obj | undefined)?.['conditions'];
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => isPlainObject(c) && c['type'] === 'Ready' && c['status'] === 'True')
  );
}

function condition(type: string, status: string, reason: string, message: string, now: string, previous: unknown): Obj {
  const old = Array.isArray(previous) ? previous.find((c) => isPlainObject(c) && c['type'] === type) : undefined;
  const unchanged = isPlainObject(old) && old['status'] === status;
  return {
    type,
    status,
    lastUpdateTime: unchanged && old['reason'] === reason ? old['lastUpdateTime'] : now,
    lastTransitionTime: unchanged ? old['lastTransitionTime'] : now,
    reason,
    message,
  };
}

export class DeploymentController {
  private readonly pending = new Set<string>();
  private unsubscribe?: () => void;

  constructor(private readonly registry: Registry) {}

  start(): void {
    this.unsubscribe = this.registry.store.subscribe((event) => {
      if (event.gr === groupResource(deployments))
        this.enqueue(event.object.metadata.namespace ?? '', event.object.metadata.name ?? '');
      if (event.gr === groupResource(pods)) {
        for (const ref of event.object.metadata.ownerReferences ?? []) {
          if (ref.kind === 'Deployment') this.enqueue(event.object.metadata.namespace ?? '', ref.name);
        }
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Work is deferred and de-duplicated: many events for one deployment give one reconcile. */
  private enqueue(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.pending.has(key)) return;
    this.pending.add(key);
    setImmediate(() => {
      this.pending.delete(key);
      this.reconcile(namespace, name);
    });
  }

  reconcile(namespace: string, name: string): void {
    const deployment = this.registry.find(deployments, namespace, name);
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const spec = deployment['spec'] as Obj;
    const template = spec['template'] as Obj;
    const hash = templateHash(template);
    const desired = typeof spec['replicas'] === 'number' ? spec['replicas'] : 1;
    const owned = this.registry
      .list(pods, namespace)
      .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === deployment.metadata.uid));
    const live = owned.filter((p) => !p.metadata.deletionTimestamp);
    const current = live.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    const old = live.filter((p) => p.metadata.labels?.['pod-template-hash'] !== hash);

    for (let i = current.length; i < desired; i++) {
      const created = this.createPod(deployment, template, hash);
      if (created) current.push(created);
    }
    for (const extra of current.slice(desired)) this.deletePod(extra);
    const updated = current.slice(0, desired);
    const readyUpdated = updated.filter(isReady).length;
    // Old pods go once the new ones are ready (a rolling update without surge accounting).
    if (readyUpdated >= desired || (spec['strategy'] && (spec['strategy'] as Obj)['type'] === 'Recreate')) {
      for (const pod of old) this.deletePod(pod);
    }
    const remainingOld = readyUpdated >= desired ? [] : old;
    this.writeStatus(deployment, updated, remainingOld, desired);
  }

  private createPod(deployment: KubeObject, template: Obj, hash: string): KubeObject | undefined {
    const meta = (template['metadata'] ?? {}) as Obj;
    const name = `${deployment.metadata.name}-${hash}-${randomSuffix()}`;
    try {
      return this.registry.create(
        pods,
        deployment.metadata.namespace,
        {
          metadata: {
            ...meta,
            name,
            labels: { ...((meta['labels'] as Record<string, string> | undefined) ?? {}), 'pod-template-hash': hash },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: deployment.metadata.name,
                uid: deployment.metadata.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: structuredClone(template['spec']),
        },
        { fieldManager: 'kube-controller-manager' },
      );
    } catch {
      // Admission refused the pod (a missing ServiceAccount...): the status says so below.
      return undefined;
    }
  }

  private deletePod(pod: KubeObject): void {
    try {
      this.registry.delete(pods, pod.metadata.namespace, pod.metadata.name ?? '', {});
    } catch {
      // Already gone.
    }
  }

  private writeStatus(deployment: KubeObject, updated: KubeObject[], old: KubeObject[], desired: number): void {
    const all = [...updated, ...old];
    const ready = all.filter(isReady).length;
    const available = ready;
    const done = updated.length === desired && old.length === 0 && updated.filter(isReady).length === desired;
    const now = formatTime(this.registry.now());
    const previous = ((deployment['status'] ?? {}) as Obj)['conditions'];
    const status: Obj = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas: all.length,
      updatedReplicas: updated.length,
      readyReplicas: ready,
      availableReplicas: available,
      ...(all.length - available > 0 ? { unavailableReplicas: all.length - available } : {}),
      conditions: [
        available >= desired
          ? condition(
              'Available',
              'True',
              'MinimumReplicasAvailable',
              'Deployment has minimum availability.',
              now,
              previous,
            )
          : condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
              now,
              previous,
            ),
        done
          ? condition(
              'Progressing',
              'True',
              'NewReplicaSetAvailable',
              `ReplicaSet "${deployment.metadata.name}-${templateHash((deployment['spec'] as Obj)['template'])}" has successfully progressed.`,
              now,
              previous,
            )
          : condition(
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              `ReplicaSet "${deployment.metadata.name}-${templateHash((deployment['spec'] as Obj)['template'])}" is progressing.`,
              now,
              previous,
            ),
      ],
    };
    if (!status['readyReplicas']) delete status['readyReplicas'];
    if (!status['availableReplicas']) delete status['availableReplicas'];
    if (deepEqual(deployment['status'], status)) return;
    this.registry.write(deployments, { ...deployment, status });
  }
}
