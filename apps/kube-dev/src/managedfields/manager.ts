/**
 * managedFields bookkeeping (apiserver's fieldmanager): server-side apply with
 * ownership and conflicts, and ownership moving to whoever changes a field
 * with an ordinary write.
 */
import { StatusError } from '../api/errors.js';
import { deepEqual, type KubeObject, type ManagedFieldsEntry } from '../api/object.js';
import { formatTime } from '../api/meta.js';
import {
  decode,
  describePath,
  valueAt,
  fieldsOf,
  fromFieldsV1,
  mergeApplied,
  removeAt,
  toFieldsV1,
  type Scope,
} from './fieldset.js';

interface Owner {
  entry: ManagedFieldsEntry;
  fields: Set<string>;
}

function ownersOf(obj: KubeObject | undefined): Owner[] {
  return (obj?.metadata.managedFields ?? []).map((entry) => ({ entry, fields: fromFieldsV1(entry.fieldsV1) }));
}

function inScope(entry: ManagedFieldsEntry, scope: Scope): boolean {
  return scope === 'status' ? entry.subresource === 'status' : entry.subresource !== 'status';
}

function render(owners: Owner[]): ManagedFieldsEntry[] {
  return owners
    .filter((o) => o.fields.size > 0)
    .map((o) => ({ ...o.entry, fieldsV1: toFieldsV1([...o.fields].sort()) }));
}

export interface ApplyRequest {
  current: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  scope: Scope;
  now: Date;
}

/** Merges an applied configuration; throws 409 Conflict when another manager owns a field it changes. */
export function applyConfiguration(req: ApplyRequest): KubeObject {
  const owners = ownersOf(req.current);
  const appliedFields = fieldsOf(req.applied, req.scope);
  const isMine = (o: Owner) =>
    o.entry.manager === req.manager && o.entry.operation === 'Apply' && inScope(o.entry, req.scope);

  const conflicts: { owner: Owner; path: string }[] = [];
  for (const owner of owners) {
    if (isMine(owner) || !inScope(owner.entry, req.scope)) continue;
    for (const path of appliedFields) {
      if (!owner.fields.has(path) || path.endsWith('"."]')) continue;
      if (!deepEqual(valueOf(req.current, path), valueOf(req.applied, path))) conflicts.push({ owner, path });
    }
  }
  if (conflicts.length > 0 && !req.force) throw conflictError(req.applied, conflicts);
  for (const { owner, path } of conflicts) owner.fields.delete(path);

  const mine = owners.find(isMine);
  const othersOwn = new Set(owners.filter((o) => o !== mine).flatMap((o) => [...o.fields]));
  const base = structuredClone(
    req.current ?? { apiVersion: req.applied.apiVersion, kind: req.applied.kind, metadata: {} },
  ) as KubeObject;
  const dropped = [...(mine?.fields ?? [])].filter((p) => !appliedFields.has(p) && !othersOwn.has(p));
  // Items first, so removing an item is not undone by its fields.
  for (const path of dropped.sort((a, b) => decode(a).length - decode(b).length)) removeAt(base, decode(path));

  const merged = mergeApplied(base, req.applied) as KubeObject;
  const changedOwnership = !mine || !sameSet(mine.fields, appliedFields);
  const entry: ManagedFieldsEntry = {
    manager: req.manager,
    operation: 'Apply',
    apiVersion: req.apiVersion,
    time: changedOwnership || !mine ? formatTime(req.now) : mine.entry.time,
    fieldsType: 'FieldsV1',
    fieldsV1: {},
    ...(req.scope === 'status' ? { subresource: 'status' } : {}),
  };
  const updated = mine
    ? owners.map((o) => (o === mine ? { entry, fields: appliedFields } : o))
    : [...owners, { entry, fields: appliedFields }];
  merged.metadata.managedFields = render(updated);
  return merged;
}

export interface UpdateRequest {
  previous: KubeObject | undefined;
  next: KubeObject;
  manager: string;
  apiVersion: string;
  scope: Scope;
  now: Date;
}

/** Records an ordinary write: the writer takes ownership of every field it set or changed. */
export function recordUpdate(req: UpdateRequest): ManagedFieldsEntry[] {
  const owners = ownersOf(req.previous);
  const after = fieldsOf(req.next, req.scope);
  const before = req.previous ? fieldsOf(req.previous, req.scope) : new Set<string>();
  const changed = [...after].filter((p) => !req.previous || !deepEqual(valueOf(req.previous, p), valueOf(req.next, p)));
  const removed = [...before].filter((p) => !after.has(p));
  if (changed.length === 0 && removed.length === 0) return req.previous?.metadata.managedFields ?? [];
  for (const owner of owners) {
    for (const p of [...changed, ...removed]) owner.fields.delete(p);
  }
  const mine = owners.find(
    (o) => o.entry.manager === req.manager && o.entry.operation === 'Update' && inScope(o.entry, req.scope),
  );
  const entry: ManagedFieldsEntry = {
    manager: req.manager,
    operation: 'Update',
    apiVersion: req.apiVersion,
    time: formatTime(req.now),
    fieldsType: 'FieldsV1',
    fieldsV1: {},
    ...(req.scope === 'status' ? { subresource: 'status' } : {}),
  };
  if (mine) {
    mine.entry = entry;
    for (const p of changed) mine.fields.add(p);
  } else owners.push({ entry, fields: new Set(changed) });
  return render(owners);
}

function valueOf(obj: unknown, encoded: string): unknown {
  return valueAt(obj, decode(encoded));
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function conflictError(applied: KubeObject, conflicts: { owner: Owner; path: string }[]): StatusError {
  const lines = conflicts.map(
    (c) =>
      `conflict with "${c.owner.entry.manager}" using ${c.owner.entry.apiVersion}: ${describePath(decode(c.path))}`,
  );
  const message =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: ${lines[0]}`
      : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  return new StatusError(409, 'Conflict', message, {
    name: applied.metadata.name ?? '',
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${c.owner.entry.manager}" using ${c.owner.entry.apiVersion}`,
      field: describePath(decode(c.path)),
    })),
  });
}
