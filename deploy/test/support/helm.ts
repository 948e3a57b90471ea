/** helm lint / helm template on the chart with value sets written to temporary files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, HELM, run, type Run } from './tools.js';

/** A rendered Kubernetes object, read field by field by the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are checked by schema, then read loosely
export type Manifest = Record<string, any> & {
  apiVersion: string;
  kind: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  metadata: Record<string, any> & { name: string };
};

export type Values = Record<string, unknown>;

/** Runs helm with its own home (cache, config, data) so nothing outside the test is read or written. */
async function helm(args: string[], values: Values[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-helm-'));
  try {
    const files = values.map((v, i) => {
      const file = join(dir, `values-${i}.json`);
      writeFileSync(file, JSON.stringify(v));
      return ['-f', file];
    });
    return await run(HELM, [...args, ...files.flat()], {
      HOME: dir,
      HELM_CACHE_HOME: join(dir, 'cache'),
      HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function lint(...values: Values[]): Promise<Run> {
  return helm(['lint', CHART_DIR, '--strict'], values);
}

export function template(release: string, namespace: string, ...values: Values[]): Promise<Run> {
  return helm(['template', release, CHART_DIR, '--namespace', namespace], values);
}

/** Parses helm's output strictly: a duplicate key or a YAML error is a failure, not a silent last-one-wins. */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    if (doc.errors.length > 0)
      throw new Error(`rendered YAML is invalid: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value as Manifest);
  }
  return out;
}

export async function render(release: string, namespace: string, ...values: Values[]): Promise<Manifest[]> {
  const result = await template(release, namespace, ...values);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}

export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found)
    throw new Error(`no ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}
