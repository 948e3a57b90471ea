/**
 * Unknown fields in a write, as the API server finds them with `fieldValidation` (Strict: 400; Warn, the default:
 * dropped, each with a `Warning: 299` header; Ignore: dropped), and values of the wrong JSON type, which its decoder
 * refuses in every mode (400). The schema is that of the Kubernetes API types as
 * the official client (@kubernetes/client-node) models them: each model's attributeTypeMap names its fields and
 * their types. Kinds it does not model are not checked.
 */
import { isPlainObject } from './object.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

interface Attribute {
  baseName: string;
  type: string;
  format?: string;
}

/** A value of the wrong JSON type for its field: Go's decoder refuses the whole write for it, whatever the mode. */
export interface TypeProblem {
  path: string;
  got: string;
  want: string;
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
const fieldsOf = new Map<string, Map<string, Attribute> | undefined>();

/** The fields of model `name` and their types, or undefined when there is no such model. */
function modelFields(name: string): Map<string, Attribute> | undefined {
  if (!fieldsOf.has(name)) {
    const model = MODELS[name];
    fieldsOf.set(
      name,
      typeof model?.getAttributeTypeMap === 'function'
        ? new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a]))
        : undefined,
    );
  }
  return fieldsOf.get(name);
}

/** The JSON type of a value, as Go's decoder names it in its errors. */
function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  return 'object';
}

/** What a leaf type wants, when `value` is not it; undefined when it fits (or the type is not a leaf). */
function leafMismatch(value: unknown, type: string, format: string | undefined): string | undefined {
  switch (type) {
    case 'string':
    case 'Date':
    case 'V1MicroTime':
      return typeof value === 'string' ? undefined : 'string';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'bool';
    case 'number':
      if (typeof value !== 'number') return format === 'double' ? 'float64' : (format ?? 'number');
      return (format === 'int32' || format === 'int64') && !Number.isInteger(value) ? format : undefined;
    case 'IntOrString':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))
        ? undefined
        : 'IntOrString';
    default:
      return undefined;
  }
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
/**
 * Fields of type resource.Quantity, which the client models as strings but Go decodes from a JSON number as well
 * (`cpu: 1`, `memory: 1e9`): named here, as the models do not mark them.
 */
const QUANTITY_FIELDS = new Set([
  'limits',
  'requests',
  'hard',
  'used',
  'capacity',
  'allocatable',
  'allocatedResources',
  'sizeLimit',
  'overhead',
  'max',
  'min',
  'default',
  'defaultRequest',
  'maxLimitRequestRatio',
  'maximumVolumeSize',
]);

interface Found {
  unknown: string[];
  mistyped: TypeProblem[];
}

function walk(
  value: unknown,
  type: string,
  format: string | undefined,
  path: string,
  drop: boolean,
  out: Found,
  quantity = false,
): void {
  if (value === null || value === undefined) return;
  if (quantity && typeof value === 'number') return;
  const mistyped = (want: string): void => void out.mistyped.push({ path, got: jsonKind(value), want });
  const element = /^Array<(.+)>$/.exec(type)?.[1];
  if (element !== undefined) {
    if (!Array.isArray(value)) return mistyped(`[]${element.replace(/^V1|^Core/, '')}`);
    value.forEach((v, i) => walk(v, element, format, `${path}[${i}]`, drop, out));
    return;
  }
  const mapped = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  if (mapped !== undefined) {
    if (!isPlainObject(value)) return mistyped(`map[string]${mapped}`);
    for (const [k, v] of Object.entries(value)) walk(v, mapped, format, `${path}.${k}`, drop, out, quantity);
    return;
  }
  const leaf = leafMismatch(value, type, format);
  if (leaf !== undefined) return mistyped(leaf);
  const fields = modelFields(type);
  if (fields === undefined) return;
  if (!isPlainObject(value)) return mistyped(type.replace(/^V1|^Core V1/, ''));
  for (const key of Object.keys(value)) {
    if (key.startsWith('$')) continue;
    const child = fields.get(key);
    const at = path === '' ? key : `${path}.${key}`;
    if (child === undefined) {
      out.unknown.push(at);
      if (drop) delete value[key];
    } else {
      walk(value[key], child.type, child.format, at, drop, out, QUANTITY_FIELDS.has(key));
    }
  }
}

/**
 * The paths of the unknown fields in `body` (an object or a patch of one) of `kind`, removed when `drop`, and its
 * values of the wrong JSON type (`value: 8080` for an env entry's string).
 */
export async function checkBody(apiVersion: string, kind: string, body: unknown, drop: boolean): Promise<Found> {
  await loadModels();
  const out: Found = { unknown: [], mistyped: [] };
  const model = modelOf(apiVersion, kind);
  if (model !== undefined) walk(body, model, undefined, '', drop, out);
  return out;
}
