/**
 * Validates a manifest against the Kubernetes OpenAPI schema of its kind (kubernetes-models 4.x: the 5.x line needs
 * Node 22). Catches wrong types, missing required fields and bad enums. Not unknown fields: these schemas allow them,
 * and so does kube-dev.
 */
import type { Manifest } from './helm.js';

interface Model {
  validate(): void;
}
type ModelModule = Record<string, (new (data: unknown) => Model) | undefined>;

function modulePath(apiVersion: string): string {
  // core/v1 is `kubernetes-models/v1`; every other group is `kubernetes-models/<group>/<version>`.
  return `kubernetes-models/${apiVersion}`;
}

export async function validateManifest(manifest: Manifest): Promise<void> {
  const mod = (await import(modulePath(manifest.apiVersion))) as ModelModule;
  const Kind = mod[manifest.kind];
  if (!Kind) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  try {
    new Kind(manifest).validate();
  } catch (err) {
    throw new Error(`${manifest.kind}/${manifest.metadata.name}: ${(err as Error).message}`, { cause: err });
  }
}
