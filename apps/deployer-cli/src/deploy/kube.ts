/**
 * The cluster side of `deployer deploy`, through @kubernetes/client-node: server-side apply with field manager
 * `deployer` and reads for the rollout. Loaded only by `deploy` (client-node is a large chunk of the bundle).
 */
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { NAMESPACE_APPS_ANNOTATION, namespaceRunsApp } from '@secret-api/contract';
import { UsageError } from '../errors.js';
import { describeObject, isList } from '../inject/manifests.js';
import type { KubeObject } from '../inject/manifests.js';
import { ClusterUnreachableError, KubeApiError } from './errors.js';

export const FIELD_MANAGER = 'deployer';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface Cluster {
  context: string;
  read(object: KubeObject): Promise<KubeObject | undefined>;
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
}

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
  const client = KubernetesObjectApi.makeApiClient(kc);

  const call = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw kubeError(err, what, server);
    }
  };

  return {
    context,
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
        throw kubeError(err, `reading ${describeObject(object)}`, server);
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
      const version = (o: KubeObject | undefined): unknown =>
        (o?.['metadata'] as { resourceVersion?: string } | undefined)?.resourceVersion;
      const action: ApplyAction =
        before === undefined ? 'created' : version(before) === version(after) ? 'unchanged' : 'configured';
      return { object: after, action };
    },
    async ensureNamespace(name, app) {
      const namespace: KubeObject = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, ...(name !== app && { annotations: { [NAMESPACE_APPS_ANNOTATION]: app } }) },
      };
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
  };
}

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

function kubeError(err: unknown, what: string, server: string): Error {
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
  return new ClusterUnreachableError(
    `cannot reach Kubernetes at ${server} while ${what}${typeof cause === 'string' ? ` (${cause})` : ''}`,
  );
}
