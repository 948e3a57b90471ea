/**
 * Kubernetes manifests in and out: multi-document YAML (or JSON, a YAML subset), `kind: List` (and `*List`) with
 * `items`, empty documents (helm's templates that rendered to nothing) dropped. Objects are plain JSON values:
 * injection works on the data, never on YAML nodes.
 */
import { LineCounter, parseAllDocuments, stringify } from 'yaml';
import { UsageError } from '../errors.js';

export type KubeObject = Record<string, unknown>;

/** Where each object came from, to name it in errors. */
export interface Manifest {
  source: string;
  /** The line its document starts on (1-based). */
  line: number;
  object: KubeObject;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses every document of one file (or stdin); `source` names it in errors. */
export function parseManifests(text: string, source: string): Manifest[] {
  const out: Manifest[] = [];
  const lines = new LineCounter();
  for (const [index, doc] of parseAllDocuments(text, { lineCounter: lines }).entries()) {
    if (doc.errors.length > 0) {
      const first = doc.errors[0];
      const where = first?.linePos?.[0] ? `:${first.linePos[0].line}:${first.linePos[0].col}` : '';
      throw new UsageError(
        `${source}${where}: not valid YAML: ${first?.message.split('\n')[0] ?? ''}`,
        'invalid_manifest',
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isObject(value) || typeof value['kind'] !== 'string' || typeof value['apiVersion'] !== 'string') {
      throw new UsageError(
        `${source}: document ${index + 1} is not a Kubernetes object (it needs apiVersion and kind)`,
        'invalid_manifest',
      );
    }
    if (value['apiVersion'].startsWith('kustomize.config.k8s.io/')) {
      // kustomize's own file: not an object any API server takes, and its patches would be lost if passed through.
      throw new UsageError(
        `${source}: document ${index + 1} is a ${value['kind']} (kustomize's file, not a Kubernetes object); ` +
          'render it first (kubectl kustomize DIR > manifests.yaml) and give deployer the result',
        'invalid_manifest',
      );
    }
    const objects = isList(value) ? (value['items'] as unknown[]) : [value];
    for (const object of objects) {
      const metadata = isObject(object) && isObject(object['metadata']) ? object['metadata'] : {};
      if (typeof metadata['name'] !== 'string' || metadata['name'] === '') {
        const kind = isObject(object) ? String(object['kind']) : 'an item';
        throw new UsageError(
          `${source}: document ${index + 1} (${kind}) has no metadata.name; apply needs one`,
          'invalid_manifest',
        );
      }
    }
    // The document's first line of content (after a `---` and any comments before it).
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    out.push({ source, line: lines.linePos(start).line, object: value });
  }
  return out;
}

/** `kind: List`, `DeploymentList`, ...: a wrapper whose items are the objects. */
export function isList(object: KubeObject): boolean {
  return typeof object['kind'] === 'string' && object['kind'].endsWith('List') && Array.isArray(object['items']);
}

/** `Deployment/web` (with the namespace when it has one): how errors and the report name an object. */
export function describeObject(object: KubeObject): string {
  const metadata = isObject(object['metadata']) ? object['metadata'] : {};
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '(unnamed)';
  const namespace = typeof metadata['namespace'] === 'string' ? `${metadata['namespace']}/` : '';
  return `${String(object['kind'])}/${namespace}${name}`;
}

/** Multi-document YAML, one document per object, keys in the order they came. */
export function renderManifests(objects: readonly KubeObject[]): string {
  return objects
    .map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false, singleQuote: true })}`)
    .join('');
}
