/**
 * The cluster side of `deployer deploy`, through @kubernetes/client-node: server-side apply with field manager
 * `deployer` and reads for the rollout. Loaded only by `deploy` (client-node is a large chunk of the bundle).
 */
import { isDeepStrictEqual } from 'node:util';
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { NAMESPACE_APPS_ANNOTATION, namespaceRunsApp } from '@secret-api/contract';
import { UsageError } from '../errors.js';
import { describeObject, isList } from '../inject/manifests.js';
import type { KubeObject } from '../inject/manifests.js';
import { ClusterUnreachableError, KubeApiError } from './errors.js';
import type { ServedKind } from './manifest-checks.js';
import { namespaceObject } from './namespace.js';

export const FIELD_MANAGER = 'deployer';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface Cluster {
  context: string;
  /** deployer.yml's namespace for the cluster: where objects that name none go. */
  namespace: string;
  read(object: KubeObject): Promise<KubeObject | undefined>;
  /** Whether the cluster serves a kind, by discovery (cached per group version); undefined when it does not. */
  servedKind: ServedKind;
  /** The pods of the context's namespace that match a label selector. */
  pods(labelSelector: string): Promise<KubeObject[]>;
  apply(object: KubeObject): Promise<{ object: KubeObject; action: ApplyAction }>;
  /**
   * Creates the namespace when there is none of that name, granted to `app` (secret-controller delivers SecretIDs
   * of an app only to the namespace of its name and those whose `secret-api.dev/apps` lists it); true when created.
   */
  ensureNamespace(name: string, app: string): Promise<boolean>;
  /** Whether the namespace's annotation grants `app`; true as well when the namespace cannot be read (no rights). */
  namespaceRuns(name: string, app: string): Promise<boolean>;
  /**
   * Deletes the ConfigMaps of the namespace that match `labelSelector`, made at least 10 minutes before `keep`, that
   * nothing in the namespace names any more (see {@link USERS}); returns their names. Deletes none when it cannot see
   * every kind that could.
   */
  pruneConfigMaps(labelSelector: string, keep: string): Promise<string[]>;
}

/** client-node's object API, with its discovery of a kind (cached per group version) open to the pre-flight check. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  /** As KubernetesObjectApi.makeApiClient: the context's namespace is the default for objects that name none. */
  static forConfig(kc: KubeConfig, requestTimeoutMs: number): DiscoveringObjectApi {
    const client = kc.makeApiClient(DiscoveringObjectApi);
    client.setDefaultNamespace(kc);
    client.requestTimeoutMs = requestTimeoutMs;
    return client;
  }

  private requestTimeoutMs = REQUEST_TIMEOUT_MS;

  discover(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }

  /**
   * Every request of the object API (reads, discovery, applies, lists) ends within the request timeout: an API server
   * that stops answering must not hold a deploy — or a CI job — without a word.
   */
  protected override requestPromise<T extends KubernetesObject>(
    context: Parameters<KubernetesObjectApi['requestPromise']>[0],
    type?: string,
    options?: Parameters<KubernetesObjectApi['requestPromise']>[2],
  ): Promise<T> {
    context.setSignal(AbortSignal.timeout(this.requestTimeoutMs));
    return super.requestPromise<T>(context, type, options);
  }
}

/** How long one request to the API server may take (kubectl's --request-timeout, which has no default). */
const REQUEST_TIMEOUT_MS = 30_000;

/** How much older than a deploy's own templates' ConfigMap an unused one must be before that deploy deletes it. */
const PRUNE_AFTER_MS = 10 * 60_000;

/**
 * What may name a ConfigMap in a pod template, and so need it later: a pod, a workload, the ReplicaSets a Deployment
 * keeps for `kubectl rollout undo`, the ControllerRevisions of StatefulSets and DaemonSets. A kind the cluster does
 * not serve has no objects.
 */
const USERS: readonly (readonly [apiVersion: string, kind: string])[] = [
  ['v1', 'Pod'],
  ['v1', 'ReplicationController'],
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'ReplicaSet'],
  ['apps/v1', 'StatefulSet'],
  ['apps/v1', 'DaemonSet'],
  ['apps/v1', 'ControllerRevision'],
  ['batch/v1', 'Job'],
  ['batch/v1', 'CronJob'],
];

/**
 * The kubeconfig's context (KUBECONFIG or ~/.kube/config), with deployer.yml's namespace as the default for objects
 * that name none.
 */
export interface ConnectOptions {
  /**
   * Server-side apply with `force`: take the fields another manager owns (`kubectl scale`, an autoscaler's
   * replicas) instead of failing with a conflict, as `kubectl apply --server-side --force-conflicts` does.
   */
  forceConflicts?: boolean;
  /** How long one request may take; {@link REQUEST_TIMEOUT_MS} by default. */
  requestTimeoutMs?: number;
}

export function connectCluster(context: string, namespace: string, options: ConnectOptions = {}): Cluster {
  const loaded = new KubeConfig();
  try {
    loaded.loadFromDefault();
  } catch (err) {
    throw new UsageError(`cannot load the kubeconfig: ${(err as Error).message}`, 'invalid_kubeconfig');
  }
  if (loaded.getContextObject(context) === null) {
    const known = loaded.contexts.map((c) => c.name).join(', ') || 'none';
    throw new UsageError(`the kubeconfig has no context ${context} (it has ${known})`, 'unknown_context');
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: loaded.clusters,
    users: loaded.users,
    contexts: loaded.contexts.map((c) => (c.name === context ? { ...c, namespace } : c)),
    currentContext: context,
  });
  const server = kc.getCurrentCluster()?.server ?? context;
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const client = DiscoveringObjectApi.forConfig(kc, requestTimeoutMs);

  const call = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw kubeError(err, what, server, requestTimeoutMs);
    }
  };

  return {
    context,
    namespace,
    async read(object) {
      try {
        const header = object as unknown as {
          apiVersion: string;
          kind: string;
          metadata: { name: string; namespace?: string };
        };
        return (await client.read<KubernetesObject>(header)) as KubeObject;
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw kubeError(err, `reading ${describeObject(object)}`, server, requestTimeoutMs);
      }
    },
    async servedKind(apiVersion, kind) {
      try {
        const resource = await client.discover(apiVersion, kind);
        return resource === undefined ? undefined : { namespaced: resource.namespaced };
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined; // no such group version
        throw kubeError(err, `looking up kind ${kind} in ${apiVersion}`, server, requestTimeoutMs);
      }
    },
    async pods(labelSelector) {
      const list = await call(`listing the pods of ${labelSelector}`, () =>
        client.list('v1', 'Pod', namespace, undefined, undefined, undefined, undefined, labelSelector),
      );
      return list.items as unknown as KubeObject[];
    },
    async apply(object) {
      const before = await this.read(object);
      const after = (await call(`applying ${describeObject(object)}`, () =>
        client.patch(
          object as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          options.forceConflicts === true,
          PatchStrategy.ServerSideApply,
        ),
      )) as KubeObject;
      const action: ApplyAction =
        before === undefined ? 'created' : sameApplied(before, after, object) ? 'unchanged' : 'configured';
      return { object: after, action };
    },
    async ensureNamespace(name, app) {
      const namespace = namespaceObject(name, app);
      if ((await this.read(namespace)) !== undefined) return false;
      await call(`creating namespace ${name}`, () => client.create(namespace as KubernetesObject));
      return true;
    },
    async namespaceRuns(name, app) {
      let found: KubeObject | undefined;
      try {
        found = await this.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      } catch {
        return true; // a deployer without rights to read Namespaces: nothing to say
      }
      if (found === undefined) return true; // the apply that follows says so
      const annotations = (found['metadata'] as { annotations?: Record<string, string> } | undefined)?.annotations;
      return namespaceRunsApp(name, annotations?.[NAMESPACE_APPS_ANNOTATION], app);
    },
    async pruneConfigMaps(labelSelector, keep) {
      const list = async (apiVersion: string, kind: string, selector?: string) =>
        (await client.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, selector))
          .items as KubernetesObject[];

      const configMaps = await call('listing the templates’ ConfigMaps', () => list('v1', 'ConfigMap', labelSelector));
      const createdAt = (c: KubernetesObject) => new Date(c.metadata?.creationTimestamp ?? 0).getTime();
      const current = configMaps.find((c) => c.metadata?.name === keep);
      if (current === undefined) return [];
      // Only those made well before this deploy's own (the server's clock on both): another deploy of the app may be
      // between applying its newer one and the workload that names it.
      const candidates = configMaps
        .filter((c) => createdAt(c) <= createdAt(current) - PRUNE_AFTER_MS)
        .map((c) => c.metadata?.name ?? '')
        .filter((name) => name !== '' && name !== keep);
      if (candidates.length === 0) return [];
      // Names are matched in each object's JSON: a ControllerRevision holds its pod template as raw data.
      const users = await call('listing what uses the templates’ ConfigMaps', async () => {
        const texts: string[] = [];
        for (const [apiVersion, kind] of USERS) {
          if ((await this.servedKind(apiVersion, kind)) !== undefined) {
            for (const item of await list(apiVersion, kind)) texts.push(JSON.stringify(item));
          }
        }
        return texts;
      });
      const unused = candidates.filter((name) => !users.some((text) => text.includes(JSON.stringify(name))));
      for (const name of unused) {
        await call(`deleting ConfigMap ${name}`, () =>
          client
            .delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } })
            .catch((err: unknown) => {
              if (!(err instanceof ApiException && err.code === 404)) throw err;
            }),
        );
      }
      return unused;
    },
  };
}

/**
 * Whether an apply changed nothing of what it applies: the manifest's fields read the same before and after, and
 * the deployer's ownership is the same (a field dropped from the manifest is removed). Not the resourceVersion: the
 * workload's controller writes its status and annotations meanwhile, which are not the deploy's doing.
 */
export function sameApplied(before: KubeObject, after: KubeObject, applied: KubeObject): boolean {
  const owned = (o: KubeObject) =>
    (
      o['metadata'] as { managedFields?: { manager?: string; operation?: string; fieldsV1?: unknown }[] }
    ).managedFields?.find((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply')?.fieldsV1;
  return (
    isDeepStrictEqual(projection(before, applied), projection(after, applied)) &&
    isDeepStrictEqual(owned(before), owned(after))
  );
}

/** `value` cut to the shape of `shape`: its maps' keys, lists and scalars whole. */
function projection(value: unknown, shape: unknown): unknown {
  if (!isPlainMap(shape) || !isPlainMap(value)) return value;
  return Object.fromEntries(Object.keys(shape).map((key) => [key, projection(value[key], shape[key])]));
}

const isPlainMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Lists are applied item by item (server-side apply takes one object). */
export function flatten(objects: readonly KubeObject[]): KubeObject[] {
  return objects.flatMap((o) => (isList(o) ? flatten(o['items'] as KubeObject[]) : [o]));
}

function statusMessage(body: unknown): string | undefined {
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function kubeError(err: unknown, what: string, server: string, timeoutMs: number): Error {
  if (err instanceof ApiException) {
    const code = err.code;
    const detail = statusMessage(err.body) ?? `HTTP ${code}`;
    const error = new KubeApiError(code, `Kubernetes at ${server} refused ${what}: ${detail}`, {
      code: code === 409 ? 'kube_conflict' : `kube_${code}`,
    });
    // Another field manager owns a field the manifest sets: say how to take it, as kubectl does.
    if (code === 409 && /conflict/i.test(detail)) {
      error.hint =
        'another field manager (kubectl scale, an autoscaler) owns that field: drop it from the manifest (replicas ' +
        'under an autoscaler), or take it over with deployer deploy --force-conflicts';
    }
    return error;
  }
  const cause =
    (err as { code?: unknown; cause?: { code?: unknown } }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  const name = (err as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ClusterUnreachableError(
      `Kubernetes at ${server} did not answer within ${timeoutMs / 1000} s while ${what}`,
    );
  }
  // A system error (ECONNREFUSED, ETIMEDOUT, ENOTFOUND…) or a failed fetch is an unreachable cluster; anything else
  // is the client refusing what it was given (an object it cannot map), which retrying later will not change.
  const network = (typeof cause === 'string' && /^E[A-Z_]+$/.test(cause)) || name === 'FetchError';
  if (!network) {
    return new UsageError(`Kubernetes at ${server}: ${what}: ${(err as Error).message}`, 'kube_client');
  }
  return new ClusterUnreachableError(
    `cannot reach Kubernetes at ${server} while ${what}${typeof cause === 'string' ? ` (${cause})` : ''}`,
  );
}
