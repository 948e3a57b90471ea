/**
 * Restart on change: polls the Secret API for new secret versions that concern this cluster and rollout-restarts
 * every deployment annotated `secret-api.dev/restart-on-change: "true"` whose pods read one: of the own secrets of
 * its pods' app (`secret-api.dev/role` on the pod template) and the global, project and cluster scopes, those
 * named in `secret-api.dev/reads` (written by `deployer inject` from the templates and variables; without it, or
 * with `*`, all of them). The restart is what `kubectl rollout restart` does: a new `kubectl.kubernetes.io/restartedAt` on
 * the pod template. The cursor is kept by the caller (on the Lease), so a new leader resumes where the last left.
 *
 * Only deployments in a namespace that may run the app (delivery/namespace-grants.ts) are restarted: elsewhere its
 * pods get no SecretID, and a restart there (with its Event naming the changed keys) would tell whoever may create
 * deployments in any namespace when another app's secrets change, and which.
 *
 * A deployment all of whose pods were created after the change (with a margin for the two clocks: the Secret API's
 * and the Kubernetes API server's) is left alone: those pods read the new value when they started. That is the usual
 * CI order — set the secret, then deploy — which would otherwise roll every fresh deployment out a second time.
 */
import type { TChangesResponse, TSecretChange } from '@secret-api/contract';
import { parseSecretReads, readsChange } from '@secret-api/pod-env';
import { ANNOTATIONS } from '../config.js';
import { deploymentPath, type KubeClient, type KubeObject } from '../kube/client.js';
import type { NamespaceGrants } from '../delivery/namespace-grants.js';
import type { EventRecorder } from '../kube/events.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { SecretApiClient } from '../secret-api/client.js';

export interface RolloutRestartDeps {
  secretApi: Pick<SecretApiClient, 'listChanges'>;
  kube: Pick<KubeClient, 'list' | 'patch'>;
  namespaces: Pick<NamespaceGrants, 'allows'>;
  events: Pick<EventRecorder, 'record'>;
  metrics: Metrics;
  log: Logger;
  pollMs: number;
  cursor: { load(): string | undefined; save(cursor: string): void };
}

type Obj = Record<string, unknown>;

/** How far the Kubernetes API server's clock may run ahead of the Secret API's before a stale pod looks fresh. */
export const CLOCK_MARGIN_MS = 2000;

/** The changes a deployment's pods read: of its app's own secrets and the shared scopes, those it reads. */
export function changesRead(d: KubeObject, app: string, items: readonly TSecretChange[]): TSecretChange[] {
  const reads = parseSecretReads(d.metadata.annotations?.[ANNOTATIONS.reads]);
  return items.filter((item) => readsChange(reads, app, item));
}

function describe(read: readonly TSecretChange[]): string {
  const names = read
    .slice(0, 5)
    .map((i) => `${i.scope === 'app' ? i.app : i.scope}/${i.key} v${i.version}`)
    .join(', ');
  return `Secrets changed (${names}${read.length > 5 ? ', …' : ''}): rollout restart`;
}

export class RolloutRestarter {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: RolloutRestartDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pollOnce()
        .then((more) => this.schedule(more ? 0 : this.deps.pollMs))
        .catch((err: Error) => {
          this.deps.metrics.changePolls.inc({ result: 'error' });
          this.deps.log.warn('polling secret changes failed; will retry', { error: err.message });
          this.schedule(this.deps.pollMs);
        });
    }, ms);
  }

  /** One poll; true when more changes are already waiting. */
  async pollOnce(): Promise<boolean> {
    const after = this.deps.cursor.load();
    const page: TChangesResponse = await this.deps.secretApi.listChanges(after);
    this.deps.metrics.changePolls.inc({ result: 'ok' });
    if (after !== undefined && page.items.length > 0) await this.restartFor(page.items);
    if (page.nextCursor !== after) this.deps.cursor.save(page.nextCursor);
    return page.more;
  }

  /**
   * Whether a pod of the deployment may hold values older than `changedAt`: one created before it (or too close to
   * it to tell). A selector this cannot read counts as yes, so a restart is never skipped on a guess.
   */
  private async hasPodsFrom(d: KubeObject, changedAt: number): Promise<boolean> {
    const matchLabels = (((d['spec'] ?? {}) as Obj)['selector'] as Obj | undefined)?.['matchLabels'];
    if (typeof matchLabels !== 'object' || matchLabels === null || Object.keys(matchLabels).length === 0) return true;
    const selector = Object.entries(matchLabels as Record<string, string>)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = await this.deps.kube.list(
      `/api/v1/namespaces/${encodeURIComponent(d.metadata.namespace ?? '')}/pods?labelSelector=${encodeURIComponent(selector)}`,
    );
    return pods.items.some((pod) => {
      const created = Date.parse(String(pod.metadata['creationTimestamp'] ?? ''));
      return !(created >= changedAt + CLOCK_MARGIN_MS);
    });
  }

  private async restartFor(items: readonly TSecretChange[]): Promise<void> {
    const list = await this.deps.kube.list('/apis/apps/v1/deployments');
    const now = new Date().toISOString();
    for (const d of list.items) {
      const app = templateRole(d);
      if (d.metadata.annotations?.[ANNOTATIONS.restartOnChange] !== 'true' || app === undefined) continue;
      const read = changesRead(d, app, items);
      if (read.length === 0) continue;
      const namespace = d.metadata.namespace ?? '';
      const name = d.metadata.name ?? '';
      if (!(await this.deps.namespaces.allows(namespace, app))) {
        this.deps.log.info('deployment not restarted: its namespace may not run its app', {
          namespace,
          deployment: name,
          app,
        });
        continue;
      }
      if (!(await this.hasPodsFrom(d, lastChange(read)))) {
        this.deps.log.info('deployment not restarted: its pods started after the change', {
          namespace,
          deployment: name,
        });
        continue;
      }
      await this.deps.kube.patch(
        deploymentPath(namespace, name),
        { spec: { template: { metadata: { annotations: { [ANNOTATIONS.restartedAt]: now } } } } },
        'strategic',
      );
      this.deps.metrics.rolloutRestarts.inc();
      this.deps.log.info('deployment restarted: a secret its app reads changed', { namespace, deployment: name, app });
      this.deps.events.record(
        { kind: 'Deployment', apiVersion: 'apps/v1', namespace, name, uid: d.metadata.uid },
        'Normal',
        'SecretsChanged',
        describe(read),
      );
    }
  }
}

/** When the newest of the changes was made (ms since the epoch). */
function lastChange(read: readonly TSecretChange[]): number {
  return Math.max(...read.map((i) => Date.parse(i.changedAt)));
}

function templateRole(d: KubeObject): string | undefined {
  const template = ((d['spec'] ?? {}) as Obj)['template'] as Obj | undefined;
  const annotations = ((template?.['metadata'] ?? {}) as Obj)['annotations'] as Record<string, string> | undefined;
  return annotations?.[ANNOTATIONS.role];
}
