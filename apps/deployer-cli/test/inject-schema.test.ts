// The injected manifests are valid Kubernetes objects: every golden file's objects pass kubernetes-models' JSON
// Schema validation (Kubernetes' own OpenAPI schemas, native sidecars included).
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMap, Pod, Service, ServiceAccount } from 'kubernetes-models/v1';
import { DaemonSet, Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const GOLDEN = fileURLToPath(new URL('fixtures/inject/golden/', import.meta.url));

interface Validatable {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Pod': Pod,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'apps/v1/DaemonSet': DaemonSet,
  'batch/v1/Job': Job,
  'batch/v1/CronJob': CronJob,
};

function validate(object: Record<string, unknown>): void {
  if (object['kind'] === 'List') {
    for (const item of object['items'] as Record<string, unknown>[]) validate(item);
    return;
  }
  const Model = MODELS[`${String(object['apiVersion'])}/${String(object['kind'])}`];
  if (Model === undefined) throw new Error(`no model for ${String(object['apiVersion'])} ${String(object['kind'])}`);
  new Model(object as never).validate();
}

describe('injected manifests against the Kubernetes schemas', () => {
  it('validates every object of every golden file', async () => {
    const files = await readdir(GOLDEN);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(join(GOLDEN, file), 'utf8'))) {
        expect(() => validate(doc.toJS() as Record<string, unknown>), file).not.toThrow();
      }
    }
  });

  it('would catch a malformed injected container (the check can fail)', async () => {
    const [, deployment] = parseAllDocuments(await readFile(join(GOLDEN, 'deployment.yaml'), 'utf8')).map(
      (d) => d.toJS() as { spec: { template: { spec: { initContainers: Record<string, unknown>[] } } } },
    );
    const broken = structuredClone(deployment!);
    broken.spec.template.spec.initContainers[0]!['ports'] = [{ containerPort: 'eighty-ninety-nine' }];
    expect(() => validate(broken as never)).toThrow();
  });
});
