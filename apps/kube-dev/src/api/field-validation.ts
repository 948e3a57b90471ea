/**
 * Unknown fields in a write, as the API server finds them with `fieldValidation` (Strict: 400; Warn, the default:
 * dropped, each with a `Warning: 299` header; Ignore: dropped). The schema is that of the Kubernetes API types as
 * the official client (@kubernetes/client-node) models them: each model's attributeTypeMap names its fields and
 * their types. Kinds it does not model are not checked.
 */
import { isPlainObject } from './object.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

interface Attribute {
  baseName: string;
  type: string;
}
type Model = { getAttributeTypeMap(): Attribute[] };

/**
 * The client's models, loaded on the first write that is checked: some 800 modules, a third of a second that every
 * start of kube-dev (each test, each embedded cluster) would otherwise pay whether it validates anything or not.
 */
let MODELS: Record<string, Model | undefined> = {};
let loading: Promise<void> | undefined;
function loadModels(): Promise<void> {
  loading ??= import('@kubernetes/client-node/dist/gen/models/all.js').then((m) => {
    MODELS = m as unknown as Record<string, Model | undefined>;
  });
  return loading;
}
const fieldsOf = new Map<string, Map<string, string> | undefined>();

/** The fields of model `name` and their types, or undefined when there is no such model. */
function modelFields(name: string): Map<string, string> | undefined {
  if (!fieldsOf.has(name)) {
    const model = MODELS[name];
    fieldsOf.set(
      name,
      typeof model?.getAttributeTypeMap === 'function'
        ? new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]))
        : undefined,
    );
  }
  return fieldsOf.get(name);
}

/** The client's model of a kind: `V1Deployment`, or the group-qualified name some kinds have (`CoreV1Event`). */
export function modelOf(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  const v = `${(version ?? '').charAt(0).toUpperCase()}${(version ?? '').slice(1)}`;
  const groupWord = (group || 'core').split('.')[0] ?? '';
  const qualified = `${groupWord.charAt(0).toUpperCase()}${groupWord.slice(1)}${v}${kind}`;
  return [qualified, `${v}${kind}`].find((name) => modelFields(name) !== undefined);
}

/**
 * The unknown fields of `value` as the schema type `type` has them, each with its path as the API server writes it
 * (`spec.template.spec.containers[0].imagePulPolicy`); with `drop`, they are removed. Keys of a strategic merge
 * patch's directives (`$patch`, `$setElementOrder/…`, `$retainKeys`, …) are not fields.
 */
function walk(value: unknown, type: string, path: string, drop: boolean, out: string[]): void {
  if (value === null || value === undefined) return;
  const element = /^Array<(.+)>$/.exec(type)?.[1];
  if (element !== undefined) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, element, `${path}[${i}]`, drop, out));
    return;
  }
  const mapped = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  if (mapped !== undefined) {
    if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walk(v, mapped, `${path}.${k}`, drop, out);
    return;
  }
  const fields = modelFields(type);
  if (fields === undefined || !isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    if (key.startsWith('$')) continue;
    const child = fields.get(key);
    const at = path === '' ? key : `${path}.${key}`;
    if (child === undefined) {
      out.push(at);
      if (drop) delete value[key];
    } else {
      walk(value[key], child, at, drop, out);
    }
  }
}

/** The paths of the unknown fields in `body` (an object or a patch of one) of `kind`; removed when `drop`. */
export async function unknownFields(apiVersion: string, kind: string, body: unknown, drop: boolean): Promise<string[]> {
  await loadModels();
  const model = modelOf(apiVersion, kind);
  if (model === undefined) return [];
  const out: string[] = [];
  walk(body, model, '', drop, out);
  return out;
}
