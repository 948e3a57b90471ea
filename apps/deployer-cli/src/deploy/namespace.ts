/** The Namespace `deploy --create-namespace` creates, also printed by `--dry-run`: what a GitOps tool must apply. */
import { NAMESPACE_APPS_ANNOTATION } from '@secret-api/contract';
import type { KubeObject } from '../inject/manifests.js';

/**
 * Granted to `app` (secret-controller delivers an app's SecretIDs only to the namespace of its name and those whose
 * `secret-api.dev/apps` lists it).
 */
export function namespaceObject(name: string, app: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, ...(name !== app && { annotations: { [NAMESPACE_APPS_ANNOTATION]: app } }) },
  };
}

/** Namespaces (and the CRDs that make kinds) first, the rest in their order: as Helm installs, so none waits on a later one. */
export function applyOrder(objects: readonly KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => (o['kind'] === 'Namespace' ? 0 : o['kind'] === 'CustomResourceDefinition' ? 1 : 2);
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => rank(a.object) - rank(b.object) || a.index - b.index)
    .map((e) => e.object);
}
