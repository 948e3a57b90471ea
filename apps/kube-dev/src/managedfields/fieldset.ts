/**
 * Field sets as server-side apply tracks them (structured-merge-diff's FieldsV1):
 * a path is a list of `f:<field>`, `k:<json key>` (an item of a keyed list),
 * `v:<json value>` (an item of a set) and `.` (the item itself).
 */
import { clone, deepEqual, isPlainObject, type JsonObject } from '../api/object.js';
import { MERGE_KEYS, SET_LISTS } from '../patch/merge-keys.js';

export type FieldPath = string[];

/** Which part of an object a write manages: the main resource never owns status, `/status` owns only it. */
export type Scope = 'main' | 'status';

const TRACKED_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

export function encode(path: FieldPath): string {
  return JSON.stringify(path);
}

export function decode(key: string): FieldPath {
  return JSON.parse(key) as FieldPath;
}

function itemKey(field: string, item: unknown): string | undefined {
  const mergeKey = MERGE_KEYS[field];
  if (!mergeKey || !isPlainObject(item) || item[mergeKey] === undefined) return undefined;
  return `k:${JSON.stringify({ [mergeKey]: item[mergeKey] })}`;
}

function collect(value: unknown, prefix: FieldPath, field: string, out: Set<string>): void {
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (keys.length === 0 && prefix.length > 0) out.add(encode(prefix));
    for (const key of keys) collect(value[key], [...prefix, `f:${key}`], key, out);
    return;
  }
  if (Array.isArray(value) && SET_LISTS.has(field)) {
    for (const item of value) out.add(encode([...prefix, `v:${JSON.stringify(item)}`]));
    return;
  }
  if (Array.isArray(value) && value.length > 0 && value.every((item) => itemKey(field, item) !== undefined)) {
    for (const item of value) {
      const itemPath = [...prefix, itemKey(field, item) as string];
      out.add(encode([...itemPath, '.']));
      collect(item, itemPath, '', out);
    }
    return;
  }
  out.add(encode(prefix));
}

/** The leaf fields an object (or an applied configuration) sets, within a scope. */
export function fieldsOf(obj: Record<string, unknown>, scope: Scope): Set<string> {
  const out = new Set<string>();
  if (scope === 'status') {
    if (obj['status'] !== undefined) collect(obj['status'], ['f:status'], 'status', out);
    return out;
  }
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'status' || value === undefined) continue;
    if (key === 'metadata' && isPlainObject(value)) {
      for (const field of TRACKED_METADATA) {
        if (value[field] !== undefined) collect(value[field], ['f:metadata', `f:${field}`], field, out);
      }
      continue;
    }
    collect(value, [`f:${key}`], key, out);
  }
  return out;
}

export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const encoded of paths) {
    let node = root;
    for (const token of decode(encoded)) {
      const next = (node[token] ??= {}) as JsonObject;
      node = next;
    }
  }
  return root;
}

export function fromFieldsV1(tree: JsonObject | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (node: JsonObject, prefix: FieldPath): void => {
    for (const [key, child] of Object.entries(node)) {
      const path = [...prefix, key];
      if (key === '.' || !isPlainObject(child) || Object.keys(child).length === 0) out.add(encode(path));
      else walk(child as JsonObject, path);
    }
  };
  if (tree) walk(tree, []);
  return out;
}

function step(node: unknown, token: string): unknown {
  if (token.startsWith('f:')) return isPlainObject(node) ? node[token.slice(2)] : undefined;
  if (token.startsWith('k:')) {
    const key = JSON.parse(token.slice(2)) as Record<string, unknown>;
    return Array.isArray(node)
      ? node.find((item) => isPlainObject(item) && Object.entries(key).every(([k, v]) => deepEqual(item[k], v)))
      : undefined;
  }
  if (token.startsWith('v:')) {
    const wanted = JSON.parse(token.slice(2)) as unknown;
    return Array.isArray(node) ? node.find((item) => deepEqual(item, wanted)) : undefined;
  }
  return node;
}

export function valueAt(obj: unknown, path: FieldPath): unknown {
  let node = obj;
  for (const token of path) {
    node = step(node, token);
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes the field (or list item) at a path, if present. */
export function removeAt(obj: Record<string, unknown>, path: FieldPath): void {
  const target = path.at(-1) === '.' ? path.slice(0, -1) : path;
  const last = target.at(-1);
  if (last === undefined) return;
  const parent = valueAt(obj, target.slice(0, -1));
  if (last.startsWith('f:')) {
    if (isPlainObject(parent)) delete parent[last.slice(2)];
    return;
  }
  if (Array.isArray(parent)) {
    const item = step(parent, last);
    const index = parent.indexOf(item);
    if (index >= 0) parent.splice(index, 1);
  }
}

/** `.spec.template.spec.containers[name="app"].image`, as conflicts are reported. */
export function describePath(path: FieldPath): string {
  let out = '';
  for (const token of path) {
    if (token === '.') continue;
    if (token.startsWith('f:')) out += `.${token.slice(2)}`;
    else if (token.startsWith('k:')) {
      const key = JSON.parse(token.slice(2)) as Record<string, unknown>;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else out += `[=${token.slice(2)}]`;
  }
  return out;
}

/** Structured merge of an applied configuration into an object: maps and keyed lists merge, the rest is replaced. */
export function mergeApplied(target: unknown, applied: unknown, field = ''): unknown {
  if (isPlainObject(applied)) {
    const out: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
    for (const [key, value] of Object.entries(applied)) {
      if (value === undefined) continue;
      out[key] = value === null ? null : mergeApplied(out[key], value, key);
      if (out[key] === null) delete out[key];
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(target)) {
    if (SET_LISTS.has(field))
      return mergeInOrder(
        target,
        applied,
        (v) => JSON.stringify(v),
        (_t, a) => clone(a),
      );
    if (
      applied.every((item) => itemKey(field, item) !== undefined) &&
      target.every((i) => itemKey(field, i) !== undefined)
    ) {
      return mergeInOrder(
        target,
        applied,
        (item) => itemKey(field, item) as string,
        (t, a) => (t === undefined ? clone(a) : mergeApplied(t, a, '')),
      );
    }
  }
  return clone(applied);
}

/**
 * Merges an applied associative list into the live one as structured-merge-diff does (typed/merge.go,
 * visitListItems): the applied items come in the applied order, and a live item the configuration does not name
 * stays where it was among them — applying `[first, second]` over `[second]` gives `[first, second]`.
 */
function mergeInOrder(
  live: unknown[],
  applied: unknown[],
  keyOf: (item: unknown) => string,
  merge: (live: unknown, applied: unknown) => unknown,
): unknown[] {
  const liveByKey = new Map(live.map((item) => [keyOf(item), item]));
  const appliedKeys = new Set(applied.map(keyOf));
  const emitted = new Set<string>();
  const out: unknown[] = [];
  const emitApplied = (item: unknown) => {
    const key = keyOf(item);
    if (emitted.has(key)) return;
    emitted.add(key);
    out.push(merge(liveByKey.get(key), item));
  };
  let l = 0;
  let r = 0;
  while (l < live.length || r < applied.length) {
    const liveKey = l < live.length ? keyOf(live[l]) : undefined;
    if (liveKey !== undefined && emitted.has(liveKey)) {
      l++;
    } else if (liveKey !== undefined && !appliedKeys.has(liveKey)) {
      emitted.add(liveKey);
      out.push(live[l++]);
    } else if (r < applied.length) {
      // The live item is in the configuration too: the applied items up to it come first, in their order.
      emitApplied(applied[r++]);
    } else {
      l++;
    }
  }
  return out;
}
