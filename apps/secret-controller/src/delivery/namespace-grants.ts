/**
 * Which apps a namespace's pods may log in as. A pod's role annotation is written by whoever may create pods in its
 * namespace, and the RoleID is no secret (it sits in the Deployment), so the annotation alone must not get a pod a
 * SecretID: otherwise a pod created anywhere, naming another app, logs in as that app. A namespace serves the app
 * of its own name, and the apps its `secret-api.dev/apps` annotation lists (comma-separated, or `*` for any).
 * Changing a Namespace's annotations takes rights over the cluster, not over the namespace: the platform team's
 * (as Vault's kubernetes auth binds a role to namespaces).
 *
 * Read with GET, kept a few seconds so a burst of pods in one namespace costs one read, and so an annotation added
 * by the platform team counts within seconds; at most `maxEntries` namespaces are remembered.
 */
import { NAMESPACE_APPS_ANNOTATION, namespaceRunsApp } from '@secret-api/contract';
import type { KubeClient, KubeObject } from '../kube/client.js';

export interface NamespaceGrantsOptions {
  kube: Pick<KubeClient, 'get'>;
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

const TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

export class NamespaceGrants {
  /** Each namespace's annotation value ('' for none), read at most once per `ttlMs`. */
  private readonly cache = new Map<string, { listed: string; until: number }>();

  constructor(private readonly options: NamespaceGrantsOptions) {}

  /** Whether pods of `namespace` may get SecretIDs of `app`. Throws what reading the Namespace threw. */
  async allows(namespace: string, app: string): Promise<boolean> {
    if (namespace === app) return true;
    return namespaceRunsApp(namespace, await this.listedBy(namespace), app);
  }

  private async listedBy(namespace: string): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(namespace);
    if (cached && cached.until > now) return cached.listed;
    const object = await this.options.kube.get<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(namespace)}`);
    const listed = object.metadata?.annotations?.[NAMESPACE_APPS_ANNOTATION] ?? '';
    if (this.cache.size >= (this.options.maxEntries ?? MAX_ENTRIES)) this.cache.clear();
    this.cache.set(namespace, { listed, until: now + (this.options.ttlMs ?? TTL_MS) });
    return listed;
  }
}
