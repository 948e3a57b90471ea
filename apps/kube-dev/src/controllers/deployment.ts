/**
 * A ReplicaSet-less deployment controller: pods are created straight from the
 * template with a `pod-template-hash` label; a rolling update replaces old pods with the real controller's
 * accounting (maxSurge above the desired count, maxUnavailable below it; Recreate removes them all first), each new
 * template gets the next `deployment.kubernetes.io/revision`, and the status carries what
 * `kubectl rollout status` reads (observedGeneration, the replica counts, and
 * the Progressing condition: a rollout that makes no progress for
 * spec.progressDeadlineSeconds is marked ProgressDeadlineExceeded, as the real
 * controller's progress.go does).
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

/** Counts whose growth is progress (util.DeploymentProgressing); so is a new generation, or fewer old pods. */
const PROGRESS_FIELDS = ['updatedReplicas', 'readyReplicas', 'availableReplicas'];

/** Where the real controller numbers a deployment's pod templates (pkg/controller/deployment/util). */
const REVISION = 'deployment.kubernetes.io/revision';

/** An int-or-percent of the desired count: a surge rounds up, an unavailability down (intstr.GetScaledValueFromIntOrPercent). */
function scaled(value: unknown, desired: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return Math.max(0, Math.trunc(v));
  const percent = /^(\d+)%$/.exec(String(v));
  if (!percent) return 0;
  const exact = (Number(percent[1]) * desired) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxSurge and maxUnavailable (25% each by default); both 0 would stall, so unavailability is then 1 (ResolveFenceposts). */
export function rollingLimits(rollingUpdate: unknown, desired: number): { maxSurge: number; maxUnavailable: number } {
  const r = isPlainObject(rollingUpdate) ? rollingUpdate : {};
  const maxSurge = scaled(r['maxSurge'], desired, true, '25%');
  const maxUnavailable = scaled(r['maxUnavailable'], desired, false, '25%');
  return { maxSurge, maxUnavailable: maxSurge === 0 && maxUnavailable === 0 ? 1 : Math.min(maxUnavailable, desired) };
}

export class DeploymentController {
  private readonly pending = new Set<string>();
  /** Each deployment's pod templates by hash: the revision each got, and the template (to replace an old pod). */
  private readonly templates = new Map<string, Map<string, { revision: number; template: Obj }>>();
  /** How many pods of each older template a rollout keeps for now: what an old ReplicaSet's replicas would say. */
  private readonly keptOld = new Map<string, Map<string, number>>();
  /** A check of each stalled rollout's deadline, when no event would come to make it. */
  private readonly deadlines = new Map<string, NodeJS.Timeout>();
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
    for (const timer of this.deadlines.values()) clearTimeout(timer);
    this.deadlines.clear();
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

    const strategy = isPlainObject(spec['strategy']) ? spec['strategy'] : {};
    if (strategy['type'] === 'Recreate') {
      // Every old pod goes, and the new ones come once the old are gone (terminating ones included).
      for (const pod of old) this.deletePod(pod);
      const terminatingOld = owned.some((p) => p.metadata.labels?.['pod-template-hash'] !== hash);
      if (!terminatingOld) this.scale(deployment, template, hash, current, desired);
    } else if (old.length === 0) {
      this.keptOld.delete(deployment.metadata.uid ?? '');
      this.scale(deployment, template, hash, current, desired);
    } else {
      this.rollingUpdate(deployment, template, hash, current, old, desired, strategy);
    }
    this.recordRevision(deployment, hash);
    const updated = current.slice(0, desired);
    const remainingOld = old.filter((p) => !p.metadata.deletionTimestamp && this.exists(p));
    this.writeStatus(deployment, updated, remainingOld, desired);
  }

  /** Creates or deletes pods of the current template until there are `desired`. */
  private scale(deployment: KubeObject, template: Obj, hash: string, current: KubeObject[], desired: number): void {
    while (current.length < desired) {
      const created = this.createPod(deployment, template, hash);
      if (!created) break;
      current.push(created);
    }
    for (const extra of current.splice(desired)) this.deletePod(extra);
  }

  /**
   * One step of a rolling update, with the real controller's accounting (rolling.go): new pods up to `maxSurge` above
   * the desired count, old pods removed — unready ones first — only while `desired - maxUnavailable` stay available.
   */
  private rollingUpdate(
    deployment: KubeObject,
    template: Obj,
    hash: string,
    current: KubeObject[],
    old: KubeObject[],
    desired: number,
    strategy: Obj,
  ): void {
    const { maxSurge, maxUnavailable } = rollingLimits(strategy['rollingUpdate'], desired);
    this.keepOldPods(deployment, hash, old);
    const room = Math.min(desired - current.length, desired + maxSurge - (current.length + old.length));
    for (let i = 0; i < room; i++) {
      const created = this.createPod(deployment, template, hash);
      if (!created) break;
      current.push(created);
    }
    if (current.length > desired) for (const extra of current.splice(desired)) this.deletePod(extra);

    const minAvailable = desired - maxUnavailable;
    const newUnavailable = current.length - current.filter(isReady).length;
    let maxScaledDown = current.length + old.length - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return;
    const unready = old.filter((p) => !isReady(p));
    for (const pod of unready.slice(0, maxScaledDown)) {
      this.scaleDownOld(deployment, pod);
      maxScaledDown--;
    }
    const readyOld = old.filter(isReady);
    let available = current.filter(isReady).length + readyOld.length;
    for (const pod of readyOld) {
      if (available <= minAvailable) break;
      this.scaleDownOld(deployment, pod);
      available--;
    }
  }

  /**
   * An old pod that went during a rollout (deleted by hand, evicted) is replaced from its template, as its old
   * ReplicaSet would: the rollout, not chance, decides when the old pods go.
   */
  private keepOldPods(deployment: KubeObject, hash: string, old: KubeObject[]): void {
    const uid = deployment.metadata.uid ?? '';
    const kept = this.keptOld.get(uid) ?? new Map<string, number>();
    this.keptOld.set(uid, kept);
    kept.delete(hash);
    const byHash = new Map<string, number>();
    for (const pod of old) {
      const h = pod.metadata.labels?.['pod-template-hash'] ?? '';
      byHash.set(h, (byHash.get(h) ?? 0) + 1);
    }
    for (const [h, count] of byHash) if (!kept.has(h)) kept.set(h, count);
    for (const [h, want] of kept) {
      const template = this.templates.get(uid)?.get(h)?.template;
      for (let have = byHash.get(h) ?? 0; template && have < want; have++) {
        const created = this.createPod(deployment, template, h);
        if (!created) break;
        old.push(created);
      }
    }
  }

  /** Deletes an old pod as the rollout's step: its template keeps one pod fewer. */
  private scaleDownOld(deployment: KubeObject, pod: KubeObject): void {
    const kept = this.keptOld.get(deployment.metadata.uid ?? '');
    const h = pod.metadata.labels?.['pod-template-hash'] ?? '';
    if (kept?.has(h)) kept.set(h, Math.max(0, (kept.get(h) ?? 0) - 1));
    this.deletePod(pod);
  }

  /** `deployment.kubernetes.io/revision`: one more for each pod template the deployment has not had before. */
  private recordRevision(deployment: KubeObject, hash: string): void {
    const uid = deployment.metadata.uid ?? '';
    const seen = this.templates.get(uid) ?? new Map<string, { revision: number; template: Obj }>();
    this.templates.set(uid, seen);
    const newest = Math.max(0, ...[...seen.values()].map((t) => t.revision));
    let revision = seen.get(hash)?.revision;
    // A template seen before that comes back (a rollback) is the newest revision again.
    if (revision === undefined || revision < newest) {
      revision = newest + 1;
      const template = structuredClone((deployment['spec'] as Obj)['template']) as Obj;
      seen.set(hash, { revision, template });
    }
    const annotations = deployment.metadata.annotations ?? {};
    if (annotations[REVISION] === String(revision)) return;
    const latest = this.registry.find(deployments, deployment.metadata.namespace, deployment.metadata.name ?? '');
    if (!latest || latest.metadata.uid !== uid) return;
    latest.metadata.annotations = { ...latest.metadata.annotations, [REVISION]: String(revision) };
    this.registry.write(deployments, latest);
    deployment.metadata = latest.metadata;
  }

  /** Whether the pod is still there and not being deleted. */
  private exists(pod: KubeObject): boolean {
    const found = this.registry.find(pods, pod.metadata.namespace, pod.metadata.name ?? '');
    return found !== undefined && found.metadata.uid === pod.metadata.uid && !found.metadata.deletionTimestamp;
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
    const before = (deployment['status'] ?? {}) as Obj;
    const previous = before['conditions'];
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
      ],
    };
    if (!status['readyReplicas']) delete status['readyReplicas'];
    if (!status['availableReplicas']) delete status['availableReplicas'];
    (status['conditions'] as Obj[]).push(this.progressing(deployment, done, status, before, now));
    if (deepEqual(deployment['status'], status)) return;
    this.registry.write(deployments, { ...deployment, status });
  }

  /**
   * The Progressing condition: True while the rollout makes progress (its lastUpdateTime moves with each step), False
   * with ProgressDeadlineExceeded once spec.progressDeadlineSeconds pass without any, until the next step.
   */
  private progressing(deployment: KubeObject, done: boolean, status: Obj, before: Obj, now: string): Obj {
    const key = `${deployment.metadata.namespace ?? ''}/${deployment.metadata.name ?? ''}`;
    clearTimeout(this.deadlines.get(key));
    this.deadlines.delete(key);
    const rs = `ReplicaSet "${deployment.metadata.name}-${templateHash((deployment['spec'] as Obj)['template'])}"`;
    const old = (Array.isArray(before['conditions']) ? before['conditions'] : []).find(
      (c): c is Obj => isPlainObject(c) && c['type'] === 'Progressing',
    );
    if (done) {
      return condition('Progressing', 'True', 'NewReplicaSetAvailable', `${rs} has successfully progressed.`, now, [
        old,
      ]);
    }
    const count = (o: Obj, field: string): number => (typeof o[field] === 'number' ? o[field] : 0);
    const grew = (field: string) => count(status, field) > count(before, field);
    const oldPods = (o: Obj) => count(o, 'replicas') - count(o, 'updatedReplicas');
    const progressed =
      old === undefined ||
      count(before, 'observedGeneration') !== count(status, 'observedGeneration') ||
      PROGRESS_FIELDS.some(grew) ||
      oldPods(status) < oldPods(before);
    // A rollout that completed is not stalled when a pod fails later (only a new rollout can time out), and one
    // that timed out stays so until it moves again.
    if (!progressed && (old['reason'] === 'NewReplicaSetAvailable' || old['reason'] === 'ProgressDeadlineExceeded')) {
      return old;
    }
    const since = progressed || typeof old['lastUpdateTime'] !== 'string' ? now : old['lastUpdateTime'];
    const deadlineSeconds = (deployment['spec'] as Obj)['progressDeadlineSeconds'];
    const leftMs =
      typeof deadlineSeconds === 'number'
        ? Date.parse(since) + deadlineSeconds * 1000 - this.registry.now().getTime()
        : Infinity;
    if (leftMs <= 0) {
      return condition('Progressing', 'False', 'ProgressDeadlineExceeded', `${rs} has timed out progressing.`, now, [
        old,
      ]);
    }
    if (Number.isFinite(leftMs)) {
      const timer = setTimeout(() => {
        this.deadlines.delete(key);
        this.enqueue(deployment.metadata.namespace ?? '', deployment.metadata.name ?? '');
      }, leftMs + 5);
      timer.unref();
      this.deadlines.set(key, timer);
    }
    return {
      type: 'Progressing',
      status: 'True',
      lastUpdateTime: since,
      lastTransitionTime:
        old?.['status'] === 'True' && typeof old['lastTransitionTime'] === 'string' ? old['lastTransitionTime'] : now,
      reason: 'ReplicaSetUpdated',
      message: `${rs} is progressing.`,
    };
  }
}
