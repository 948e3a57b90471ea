/**
 * The generic registry (apiserver/pkg/registry/generic/registry/store.go): the
 * write pipeline every resource shares — defaults, admission, validation,
 * optimistic concurrency, generation, managedFields — over the Store.
 */
import { errors, StatusError } from '../api/errors.js';
import { checkName, formatTime, generateName, newUid } from '../api/meta.js';
import { clone, deepEqual, isPlainObject, type KubeObject } from '../api/object.js';
import { applyConfiguration, recordUpdate } from '../managedfields/manager.js';
import type { Scope } from '../managedfields/fieldset.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge.js';
import type { Store } from '../storage/store.js';
import { namespaces, serviceAccounts } from './core.js';
import { findResource, RESOURCES } from './index.js';
import { apiVersionOf, groupResource, type ResourceDef, type WriteContext } from './types.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface WriteOptions {
  /** Who writes, for managedFields. */
  fieldManager: string;
  dryRun?: boolean;
  /** `status` writes change only status; the main resource never does. */
  subresource?: 'status';
}

export interface PatchOptions extends WriteOptions {
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WriteResult {
  object: KubeObject;
  created: boolean;
}

/** Fields only the server sets; client values are ignored. */
/** The finalizer of a foreground deletion: the owner stays until its dependents are gone. */
const FOREGROUND = 'foregroundDeletion';

const SERVER_METADATA = [
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
] as const;

export class Registry {
  private clock: () => Date;

  constructor(
    readonly store: Store,
    options: { now?: () => Date } = {},
  ) {
    this.clock = options.now ?? (() => new Date());
  }

  now(): Date {
    return this.clock();
  }

  context(): WriteContext {
    return {
      lookup: (resource, group, namespace, name) => {
        const def = RESOURCES.find((d) => d.resource === resource && d.group === group);
        return def ? this.store.peek(groupResource(def), def.namespaced ? namespace : undefined, name) : undefined;
      },
      now: this.now(),
    };
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(groupResource(def), scopeOf(def, namespace), name);
    if (!found) throw errors.notFound(def, name);
    return found;
  }

  find(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(groupResource(def), scopeOf(def, namespace), name);
  }

  /** Whether the object exists, without copying it. */
  exists(def: ResourceDef, namespace: string | undefined, name: string): boolean {
    return this.store.peek(groupResource(def), scopeOf(def, namespace), name) !== undefined;
  }

  list(def: ResourceDef, namespace: string | undefined): KubeObject[] {
    return this.store.list(groupResource(def), scopeOf(def, namespace));
  }

  create(def: ResourceDef, namespace: string | undefined, body: unknown, options: WriteOptions): KubeObject {
    const obj = this.checkBody(def, namespace, body);
    if (!obj.metadata.name) {
      if (obj.metadata.generateName) obj.metadata.name = generateName(obj.metadata.generateName);
      else
        throw errors.invalid(def.kind, def.group, '', [
          { field: 'metadata.name', type: 'Required value', detail: 'name or generateName is required' },
        ]);
    }
    return this.insert(def, obj, options, this.managedOnCreate(def, options));
  }

  /** managedFields of an object a write creates: everything in it belongs to the writing manager. */
  private managedOnCreate(def: ResourceDef, options: WriteOptions) {
    return (o: Parameters<typeof recordUpdate>[0]['next']) =>
      recordUpdate({
        previous: undefined,
        next: o,
        manager: options.fieldManager,
        apiVersion: apiVersionOf(def),
        scope: 'main',
        now: this.now(),
      });
  }

  /** PUT. Lease-like resources create on a missing object and require a resourceVersion. */
  update(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions,
  ): WriteResult {
    const obj = this.checkBody(def, namespace, body);
    if (obj.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`,
      );
    }
    const current = this.find(def, namespace, name);
    if (!current) {
      if (def.leaseLikeUpdate && !options.subresource) {
        const created = this.insert(def, obj, options, this.managedOnCreate(def, options));
        return { object: created, created: true };
      }
      throw errors.notFound(def, name);
    }
    const rv = obj.metadata.resourceVersion;
    if (!rv && def.leaseLikeUpdate) {
      throw errors.invalid(def.kind, def.group, name, [
        { field: 'metadata.resourceVersion', type: 'Invalid value', detail: '0x0: must be specified for an update' },
      ]);
    }
    if (rv && rv !== current.metadata.resourceVersion) throw errors.staleResourceVersion(def, name);
    return { object: this.commit(def, current, obj, options, 'update'), created: false };
  }

  patch(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: PatchOptions,
  ): WriteResult {
    if (options.force !== undefined && type !== 'apply') {
      throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [
        { field: 'force', type: 'Forbidden', detail: 'may not be specified for non-apply patch' },
      ]);
    }
    const current = this.find(def, namespace, name);
    if (type === 'apply') return this.apply(def, namespace, name, current, patch, options);
    if (!current) throw errors.notFound(def, name);
    let patched: unknown;
    if (type === 'json') patched = applyJsonPatch(current, patch);
    else if (type === 'merge') patched = applyMergePatch(current, patch);
    else patched = applyStrategicMergePatch(current, patch);
    if (!isPlainObject(patched)) throw errors.badRequest('the patch did not produce an object');
    const next = patched as KubeObject;
    // A resourceVersion in the patch is a precondition.
    const wantedRv =
      isPlainObject(patch) && isPlainObject(patch['metadata']) ? patch['metadata']['resourceVersion'] : undefined;
    if (typeof wantedRv === 'string' && wantedRv !== current.metadata.resourceVersion)
      throw errors.staleResourceVersion(def, name);
    next.metadata = {
      ...next.metadata,
      name,
      ...(def.namespaced ? { namespace: current.metadata.namespace as string } : {}),
    };
    next.metadata.resourceVersion = current.metadata.resourceVersion as string;
    return { object: this.commit(def, current, next, options, 'update'), created: false };
  }

  private apply(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    current: KubeObject | undefined,
    body: unknown,
    options: PatchOptions,
  ): WriteResult {
    if (!options.fieldManager) {
      throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [
        { field: 'fieldManager', type: 'Required value', detail: 'is required for apply patch' },
      ]);
    }
    const applied = this.checkBody(def, namespace, body);
    if (applied.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${applied.metadata.name ?? ''}) does not match the name on the URL (${name})`,
      );
    }
    if (applied.metadata.managedFields !== undefined) {
      throw errors.badRequest('metadata.managedFields must be nil');
    }
    const scope: Scope = options.subresource === 'status' ? 'status' : 'main';
    const merged = applyConfiguration({
      current,
      applied,
      manager: options.fieldManager,
      force: options.force ?? false,
      apiVersion: apiVersionOf(def),
      scope,
      now: this.now(),
    });
    if (!current) {
      if (options.subresource) throw errors.notFound(def, name);
      const managed = merged.metadata.managedFields ?? [];
      return { object: this.insert(def, merged, options, () => managed), created: true };
    }
    const rv = applied.metadata.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw errors.staleResourceVersion(def, name);
    merged.metadata.resourceVersion = current.metadata.resourceVersion as string;
    return { object: this.commit(def, current, merged, options, 'apply'), created: false };
  }

  /** Internal writes (kubelet, controllers): no validation, status allowed, ownership unchanged. */
  write(def: ResourceDef, obj: KubeObject): KubeObject {
    const current = this.store.peek(groupResource(def), scopeOf(def, obj.metadata.namespace), obj.metadata.name ?? '');
    if (!current) throw errors.notFound(def, obj.metadata.name ?? '');
    if (deepEqual(stripRv(current), stripRv(obj))) return clone(current);
    return this.store.update(groupResource(def), obj);
  }

  delete(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions,
  ): { object: KubeObject; gone: boolean } {
    const current = this.get(def, namespace, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw errors.conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(
        def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`,
      );
    }
    if (options.dryRun) return { object: current, gone: true };
    if (options.propagationPolicy === 'Orphan') this.orphanDependents(current);
    if (def === namespaces) return this.terminateNamespace(current);
    const grace = this.gracePeriod(def, current, options);
    if (grace > 0) {
      // Deleting again may shorten the grace period, never lengthen it (pkg/registry/rest/delete.go).
      const previous = current.metadata.deletionGracePeriodSeconds;
      if (current.metadata.deletionTimestamp && (previous === undefined || grace >= previous)) {
        return { object: current, gone: false };
      }
      current.metadata.deletionTimestamp = formatTime(new Date(this.now().getTime() + grace * 1000));
      current.metadata.deletionGracePeriodSeconds = grace;
      return { object: this.store.update(groupResource(def), current), gone: false };
    }
    const foreground = options.propagationPolicy === 'Foreground' && this.dependentsOf(current).length > 0;
    if ((current.metadata.finalizers?.length ?? 0) > 0 || foreground) {
      // Finalizers hold the object, marked as being deleted, until they are all removed (pkg/registry/generic).
      if (!current.metadata.deletionTimestamp || current.metadata.deletionGracePeriodSeconds !== 0) {
        current.metadata.deletionTimestamp ??= formatTime(this.now());
        current.metadata.deletionGracePeriodSeconds = 0;
        if (foreground && !current.metadata.finalizers?.includes(FOREGROUND)) {
          current.metadata.finalizers = [...(current.metadata.finalizers ?? []), FOREGROUND];
        }
        const held = this.store.update(groupResource(def), current);
        if (foreground) for (const dependent of this.dependentsOf(current)) this.deleteQuietly(dependent);
        return { object: held, gone: false };
      }
      return { object: current, gone: false };
    }
    const last = this.store.delete(groupResource(def), scopeOf(def, namespace), name);
    return { object: last ?? current, gone: true };
  }

  /**
   * A namespace goes through Terminating: its contents are deleted as each kind's own delete does it (pods
   * gracefully, through the kubelet; objects with finalizers once those are gone), and the namespace once it is
   * empty (the namespace controller's work; {@link finishNamespace} is called as its last objects go).
   */
  private terminateNamespace(current: KubeObject): { object: KubeObject; gone: boolean } {
    const name = current.metadata.name ?? '';
    let object = current;
    if (!current.metadata.deletionTimestamp) {
      current.metadata.deletionTimestamp = formatTime(this.now());
      current.metadata.deletionGracePeriodSeconds = 0;
      current['status'] = { ...(current['status'] as object), phase: 'Terminating' };
      object = this.store.update(groupResource(namespaces), current);
    }
    for (const def of RESOURCES) {
      if (!def.namespaced) continue;
      for (const obj of this.store.list(groupResource(def), name)) this.deleteQuietly({ def, obj });
    }
    const finished = this.finishNamespace(name);
    return { object: finished ?? object, gone: finished !== undefined };
  }

  /** Removes a terminating namespace once nothing is left in it; the namespace as it went, or undefined. */
  finishNamespace(name: string): KubeObject | undefined {
    const ns = this.store.peek(groupResource(namespaces), undefined, name);
    if (!ns?.metadata.deletionTimestamp) return undefined;
    const empty = RESOURCES.every(
      (def) =>
        !def.namespaced || ![...this.store.peekAll(groupResource(def))].some((o) => o.metadata.namespace === name),
    );
    return empty ? this.store.delete(groupResource(namespaces), undefined, name) : undefined;
  }

  /** The objects whose ownerReferences name `owner`: in its namespace, or anywhere for a cluster-scoped owner. */
  dependentsOf(owner: Readonly<KubeObject>): { def: ResourceDef; obj: KubeObject }[] {
    const namespace = owner.metadata.namespace;
    const out: { def: ResourceDef; obj: KubeObject }[] = [];
    for (const def of RESOURCES) {
      if (namespace !== undefined && !def.namespaced) continue;
      // Read in place: every deletion looks at every object, and copying them all would make deleting N objects
      // O(N²) copies.
      for (const obj of this.store.peekAll(groupResource(def))) {
        if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
        if (obj.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) {
          out.push({ def, obj: clone(obj) as KubeObject });
        }
      }
    }
    return out;
  }

  /** A delete by a controller: gone meanwhile is fine. */
  deleteQuietly({ def, obj }: { def: ResourceDef; obj: KubeObject }): void {
    try {
      this.delete(def, obj.metadata.namespace, obj.metadata.name ?? '', {});
    } catch (err) {
      if (!(err instanceof StatusError) || err.code !== 404) throw err;
    }
  }

  /**
   * After a write that emptied the finalizers of an object being deleted: it goes now (a pod whose kubelet has not
   * finished with it waits for that too).
   */
  private removeIfFinalized(def: ResourceDef, obj: KubeObject): KubeObject | undefined {
    if (!obj.metadata.deletionTimestamp || (obj.metadata.finalizers?.length ?? 0) > 0) return undefined;
    if (obj.metadata.deletionGracePeriodSeconds !== 0 || def === namespaces) return undefined;
    return this.store.delete(groupResource(def), scopeOf(def, obj.metadata.namespace), obj.metadata.name ?? '');
  }

  /** The foreground owner `dependent` held, released once its last dependent is gone. */
  releaseForegroundOwners(dependent: Readonly<KubeObject>): void {
    for (const ref of dependent.metadata.ownerReferences ?? []) {
      for (const def of RESOURCES) {
        if (def.kind !== ref.kind) continue;
        const scope = def.namespaced ? dependent.metadata.namespace : undefined;
        const owner = this.store.peek(groupResource(def), scope, ref.name);
        if (!owner || owner.metadata.uid !== ref.uid || !owner.metadata.finalizers?.includes(FOREGROUND)) continue;
        if (this.dependentsOf(owner).length > 0) continue;
        const released = clone(owner) as KubeObject;
        released.metadata.finalizers = owner.metadata.finalizers.filter((f) => f !== FOREGROUND);
        if (released.metadata.finalizers.length === 0) delete released.metadata.finalizers;
        if (!this.removeIfFinalized(def, released)) this.store.update(groupResource(def), released);
      }
    }
  }

  /** Pods wait for the kubelet; grace is 0 when no kubelet runs them (pkg/registry/core/pod/strategy.go). */
  private gracePeriod(def: ResourceDef, obj: KubeObject, options: DeleteOptions): number {
    if (def.resource !== 'pods' || def.group !== '') return 0;
    const spec = obj['spec'] as Record<string, unknown> | undefined;
    const status = obj['status'] as Record<string, unknown> | undefined;
    if (!spec?.['nodeName'] || status?.['phase'] === 'Succeeded' || status?.['phase'] === 'Failed') return 0;
    const grace = options.gracePeriodSeconds ?? (spec['terminationGracePeriodSeconds'] as number | undefined) ?? 30;
    return Math.max(0, grace);
  }

  private orphanDependents(owner: KubeObject): void {
    for (const def of RESOURCES) {
      for (const obj of this.store.list(groupResource(def))) {
        const refs = obj.metadata.ownerReferences;
        if (!refs?.some((r) => r.uid === owner.metadata.uid)) continue;
        obj.metadata.ownerReferences = refs.filter((r) => r.uid !== owner.metadata.uid);
        if (obj.metadata.ownerReferences.length === 0) delete obj.metadata.ownerReferences;
        this.store.update(groupResource(def), obj);
      }
    }
  }

  /** Creates the `default` ServiceAccount of a namespace, as the serviceaccounts controller does. */
  ensureDefaultServiceAccount(namespace: string): void {
    if (this.exists(serviceAccounts, namespace, 'default')) return;
    this.create(
      serviceAccounts,
      namespace,
      { metadata: { name: 'default', namespace } },
      { fieldManager: 'kube-controller-manager' },
    );
  }

  private insert(
    def: ResourceDef,
    obj: KubeObject,
    options: WriteOptions,
    managed: (o: KubeObject) => KubeObject['metadata']['managedFields'],
  ): KubeObject {
    const name = obj.metadata.name as string;
    const problem = checkName(name, def.nameRule);
    if (problem)
      throw errors.invalid(def.kind, def.group, name, [
        { field: 'metadata.name', type: 'Invalid value', detail: `"${name}": ${problem}` },
      ]);
    const ctx = this.context();
    if (def.namespaced) {
      const ns = this.store.peek(groupResource(namespaces), undefined, obj.metadata.namespace as string);
      if (!ns) throw errors.notFound(namespaces, obj.metadata.namespace as string);
      if (ns.metadata.deletionTimestamp) {
        throw errors.forbidden(
          `${def.resource} "${name}" is forbidden: unable to create new content in namespace ${obj.metadata.namespace} because it is being terminated`,
        );
      }
    }
    for (const key of SERVER_METADATA) delete obj.metadata[key];
    delete obj.metadata.resourceVersion;
    def.prepareForCreate?.(obj, ctx);
    def.admit?.(obj, ctx);
    const causes = def.validate?.(obj, undefined) ?? [];
    if (causes.length > 0) throw errors.invalid(def.kind, def.group, name, causes);
    if (this.exists(def, obj.metadata.namespace, name)) throw errors.alreadyExists(def, name);
    obj.metadata.uid = newUid();
    obj.metadata.creationTimestamp = formatTime(this.now());
    if (def.tracksGeneration) obj.metadata.generation = 1;
    obj.metadata.managedFields = managed(obj) ?? [];
    if (obj.metadata.managedFields.length === 0) delete obj.metadata.managedFields;
    if (options.dryRun) return obj;
    const stored = this.store.create(groupResource(def), obj);
    if (def === namespaces) this.ensureDefaultServiceAccount(name);
    return stored;
  }

  /** The shared update path: keep server fields and the other half (spec/status), validate, store. */
  private commit(
    def: ResourceDef,
    current: KubeObject,
    next: KubeObject,
    options: WriteOptions,
    how: 'update' | 'apply',
  ): KubeObject {
    const scope: Scope = options.subresource === 'status' ? 'status' : 'main';
    let obj: KubeObject;
    if (scope === 'status') {
      obj = clone(current);
      obj['status'] = next['status'];
      if (how === 'apply') obj.metadata.managedFields = next.metadata.managedFields;
    } else {
      obj = next;
      if (def.hasStatus) obj['status'] = current['status'];
      for (const key of SERVER_METADATA) {
        const value = current.metadata[key];
        if (value === undefined) delete obj.metadata[key];
        else (obj.metadata as Record<string, unknown>)[key] = value;
      }
    }
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    if (def.tracksGeneration && !deepEqual(current['spec'], obj['spec']))
      obj.metadata.generation = (current.metadata.generation ?? 1) + 1;
    if (scope === 'main') {
      const causes = def.validate?.(obj, current) ?? [];
      if (causes.length > 0) throw errors.invalid(def.kind, def.group, obj.metadata.name ?? '', causes);
    }
    if (how === 'update') {
      const managed = recordUpdate({
        previous: current,
        next: obj,
        manager: options.fieldManager,
        apiVersion: apiVersionOf(def),
        scope,
        now: this.now(),
      });
      if (managed.length > 0) obj.metadata.managedFields = managed;
      else delete obj.metadata.managedFields;
    }
    // A write that changes nothing is not a write: same resourceVersion, no watch event.
    if (deepEqual(stripRv(current), stripRv(obj))) return current;
    if (current.metadata.deletionTimestamp) {
      const added = (obj.metadata.finalizers ?? []).filter((f) => !(current.metadata.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw errors.invalid(def.kind, def.group, obj.metadata.name ?? '', [
          {
            field: 'metadata.finalizers',
            type: 'Forbidden',
            detail: 'no new finalizers can be added if the object is being deleted',
          },
        ]);
      }
    }
    if (options.dryRun) return obj;
    return this.removeIfFinalized(def, obj) ?? this.store.update(groupResource(def), obj);
  }

  /** Parses a request body: kind and apiVersion must match, the namespace must match the URL's. */
  private checkBody(def: ResourceDef, namespace: string | undefined, body: unknown): KubeObject {
    if (!isPlainObject(body)) throw errors.badRequest(`Object '${def.kind}' is missing in the request body`);
    const obj = clone(body) as KubeObject;
    if (obj.kind !== undefined && obj.kind !== def.kind) {
      throw errors.badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(def)})`,
      );
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(def)) {
      throw errors.badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(def)})`,
      );
    }
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    if (def.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw errors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      obj.metadata.namespace = namespace as string;
    } else delete obj.metadata.namespace;
    return obj;
  }
}

function scopeOf(def: ResourceDef, namespace: string | undefined): string | undefined {
  return def.namespaced ? namespace : undefined;
}

/** The object as compared for "did this write change anything": shallow copies, since deepEqual skips undefined. */
function stripRv(obj: Readonly<KubeObject>): unknown {
  const { managedFields } = obj.metadata;
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      resourceVersion: undefined,
      ...(managedFields ? { managedFields: managedFields.map((e) => ({ ...e, time: '' })) } : {}),
    },
  };
}

export function isStatusError(err: unknown): err is StatusError {
  return err instanceof StatusError;
}

export { findResource };
