/**
 * The ConfigMap that carries the app's templates to secret-init (mounted at /config). Its name is fixed per app;
 * its content hash goes on the pod template, so a changed template rolls the pods.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from './manifests.js';

export const CONFIG_MAP_LABEL = 'app.kubernetes.io/managed-by';
export const CONFIG_MAP_MANAGER = 'deployer';

export function configMapName(app: string): string {
  return `${app}-secret-init-config`;
}

/** ConfigMap keys are file names: `[-._a-zA-Z0-9]+`, which rules out sub-directories. */
export const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

export function buildConfigMap(app: string, namespace: string, files: ReadonlyMap<string, string>): KubeObject {
  const data: Record<string, string> = {};
  for (const name of [...files.keys()].sort()) data[name] = files.get(name) as string;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: configMapName(app),
      namespace,
      labels: { [CONFIG_MAP_LABEL]: CONFIG_MAP_MANAGER, 'secret-api.dev/role': app },
    },
    data,
  };
}

/** A stable digest of the templates (names and contents). */
export function configHash(configMap: KubeObject): string {
  const data = (configMap['data'] ?? {}) as Record<string, string>;
  const hash = createHash('sha256');
  for (const name of Object.keys(data).sort()) hash.update(`${name}\0${data[name]}\0`);
  return hash.digest('hex').slice(0, 16);
}
