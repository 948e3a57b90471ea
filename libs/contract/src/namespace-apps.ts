/**
 * Which apps a Kubernetes namespace's pods may log in as: the app named like the namespace, and those its
 * `secret-api.dev/apps` annotation lists (comma-separated; `*` for any). secret-controller enforces it before it
 * delivers a SecretID; `deployer deploy` writes it on a namespace it creates and warns when one lacks it.
 */
export const NAMESPACE_APPS_ANNOTATION = 'secret-api.dev/apps';

/** `listed` is the annotation's value (undefined when the namespace has none). */
export function namespaceRunsApp(namespace: string, listed: string | undefined, app: string): boolean {
  if (namespace === app) return true;
  const apps = (listed ?? '').split(',').map((a) => a.trim());
  return apps.includes('*') || apps.includes(app);
}
