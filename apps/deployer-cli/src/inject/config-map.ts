/**
 * The ConfigMap that carries the app's templates to secret-init (mounted at /config). Its name ends in the digest of
 * its content and it is immutable: a changed template is a new ConfigMap, so the pods of the old ReplicaSet keep the
 * templates they started with (a rollout under way, a `kubectl rollout undo`), and the pod template names the new
 * one, which rolls the pods. `deployer deploy` removes the app's ConfigMaps no workload uses any more (deploy/kube.ts).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { KubeObject } from './manifests.js';

export const CONFIG_MAP_LABEL = 'app.kubernetes.io/managed-by';
export const CONFIG_MAP_MANAGER = 'deployer';
const ROLE_LABEL = 'secret-api.dev/role';

/** The name every templates' ConfigMap of `app` starts with (and the whole name, before names had a digest). */
export function configMapPrefix(app: string): string {
  return `${app}-secret-init-config`;
}

/** The labels of `app`'s templates' ConfigMaps, as a label selector. */
export function configMapSelector(app: string): string {
  return `${CONFIG_MAP_LABEL}=${CONFIG_MAP_MANAGER},${ROLE_LABEL}=${app}`;
}

/** Whether `object` is one of `app`'s templates' ConfigMaps (this injection's or an earlier one's). */
export function isTemplatesConfigMap(object: KubeObject, app: string): boolean {
  if (object['kind'] !== 'ConfigMap') return false;
  const labels = (object['metadata'] as { labels?: Record<string, string> } | undefined)?.labels;
  return labels?.[CONFIG_MAP_LABEL] === CONFIG_MAP_MANAGER && labels[ROLE_LABEL] === app;
}

/** ConfigMap keys are file names: `[-._a-zA-Z0-9]+`, which rules out sub-directories. */
export const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Text files go to `data`; a file that is not UTF-8 (a DER truststore, a keystore) to `binaryData`, base64, so the
 * pod gets its exact bytes: as `data` it would be decoded with U+FFFD in place of every invalid byte.
 */
export function buildConfigMap(app: string, namespace: string, files: ReadonlyMap<string, Buffer>): KubeObject {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const name of [...files.keys()].sort()) {
    const bytes = files.get(name) as Buffer;
    if (isUtf8(bytes)) data[name] = bytes.toString('utf8');
    else binaryData[name] = bytes.toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${configMapPrefix(app)}-${contentHash(data, binaryData).slice(0, 10)}`,
      namespace,
      labels: { [CONFIG_MAP_LABEL]: CONFIG_MAP_MANAGER, [ROLE_LABEL]: app },
    },
    immutable: true,
    data,
    ...(Object.keys(binaryData).length > 0 && { binaryData }),
  };
}

/** A stable digest of the templates (names and contents). */
export function configHash(configMap: KubeObject): string {
  const data = (configMap['data'] ?? {}) as Record<string, string>;
  const binaryData = (configMap['binaryData'] ?? {}) as Record<string, string>;
  return contentHash(data, binaryData);
}

function contentHash(data: Record<string, string>, binaryData: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(data).sort()) hash.update(`${name}\0${data[name]}\0`);
  // After the text, marked: a config of text files alone hashes as it always did (no needless rollout).
  for (const name of Object.keys(binaryData).sort()) hash.update(`binary\0${name}\0${binaryData[name]}\0`);
  return hash.digest('hex').slice(0, 16);
}
