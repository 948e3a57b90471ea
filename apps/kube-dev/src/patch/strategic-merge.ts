/**
 * Strategic merge patch (apimachinery/pkg/util/strategicpatch) for the built-in
 * kinds: maps merge, keyed lists merge item by item, `null` deletes, and the
 * `$patch`, `$setElementOrder`, `$deleteFromPrimitiveList` and `$retainKeys`
 * directives are acted on and never stored.
 */
import { errors } from '../api/errors.js';
import { clone, isPlainObject } from '../api/object.js';
import { MERGE_KEYS, SET_LISTS } from './merge-keys.js';

type Obj = Record<string, unknown>;

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) throw errors.badRequest('strategic merge patch must be a JSON object');
  return mergeMap(isPlainObject(target) ? clone(target) : {}, patch);
}

function mergeMap(original: Obj, patch: Obj): Obj | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch);
  if (directive !== undefined && directive !== 'merge')
    throw errors.badRequest(`Unknown patch type: ${String(directive)}`);

  const out = original;
  const retainKeys = patch['$retainKeys'];
  if (Array.isArray(retainKeys)) {
    for (const key of Object.keys(out)) if (!retainKeys.includes(key)) delete out[key];
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(SET_ORDER)) {
      const list = key.slice(SET_ORDER.length);
      // After the list's own merge, whichever order the patch's keys come in.
      if (Array.isArray(value) && !(list in patch)) {
        const current = out[list];
        if (Array.isArray(current)) out[list] = inElementOrder(list, current, current, value);
      }
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const list = key.slice(DELETE_FROM.length);
      const current = out[list];
      if (Array.isArray(current) && Array.isArray(value)) out[list] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = out[key];
    if (isPlainObject(value)) {
      const merged = mergeMap(isPlainObject(current) ? current : {}, value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value)) {
      const before = Array.isArray(current) ? current : [];
      const merged = mergeList(key, before, value);
      const order = patch[`${SET_ORDER}${key}`];
      out[key] = Array.isArray(order) ? inElementOrder(key, merged, before, order) : merged;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function mergeList(field: string, original: unknown[], patch: unknown[]): unknown[] {
  const mergeKey = MERGE_KEYS[field];
  if (SET_LISTS.has(field)) {
    const out = [...original];
    for (const item of patch) if (!out.includes(item)) out.push(item);
    return out;
  }
  if (!mergeKey) return patch.map((item) => (isPlainObject(item) ? stripDirectives(item) : item));
  // A `{"$patch": "replace"}` item replaces the whole list with the other items.
  if (patch.some((item) => isPlainObject(item) && item['$patch'] === 'replace')) {
    return patch
      .filter((item) => !(isPlainObject(item) && item['$patch'] === 'replace'))
      .map((i) => stripDirectives(i as Obj));
  }
  const out = [...original];
  for (const item of patch) {
    if (!isPlainObject(item)) continue;
    const key = item[mergeKey];
    const index = out.findIndex((o) => isPlainObject(o) && o[mergeKey] === key);
    if (item['$patch'] === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      const merged = mergeMap(clone(out[index] as Obj), item);
      if (merged === undefined) out.splice(index, 1);
      else out[index] = merged;
    } else {
      out.push(stripDirectives(item));
    }
  }
  return out;
}

/**
 * A merged list in the order `$setElementOrder/<list>` gives (strategicpatch's normalizeElementOrder and
 * mergeSortedSlice): the items it names in its order, and those it does not (the server's own) placed among them
 * by where they were in the server's list.
 */
function inElementOrder(field: string, merged: unknown[], server: unknown[], order: unknown[]): unknown[] {
  const mergeKey = MERGE_KEYS[field];
  const keyOf = (item: unknown): string => JSON.stringify(mergeKey && isPlainObject(item) ? item[mergeKey] : item);
  const orderIndex = new Map(order.map((item, i) => [keyOf(item), i]));
  const serverIndex = new Map(server.map((item, i) => [keyOf(item), i]));
  const named = merged
    .filter((item) => orderIndex.has(keyOf(item)))
    .sort((a, b) => (orderIndex.get(keyOf(a)) ?? 0) - (orderIndex.get(keyOf(b)) ?? 0));
  const serverOnly = merged
    .filter((item) => !orderIndex.has(keyOf(item)))
    .sort((a, b) => (serverIndex.get(keyOf(a)) ?? 0) - (serverIndex.get(keyOf(b)) ?? 0));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < named.length) {
    if (j >= named.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(named[j++]);
    else {
      const left = serverIndex.get(keyOf(serverOnly[i]));
      const right = serverIndex.get(keyOf(named[j]));
      if (left !== undefined && right !== undefined && left < right) out.push(serverOnly[i++]);
      else out.push(named[j++]);
    }
  }
  return out;
}

function stripDirectives(value: Obj): Obj {
  const out: Obj = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    if (v === null) continue;
    if (isPlainObject(v)) out[key] = stripDirectives(v);
    else if (Array.isArray(v)) out[key] = v.map((i) => (isPlainObject(i) ? stripDirectives(i) : i));
    else out[key] = v;
  }
  return out;
}
