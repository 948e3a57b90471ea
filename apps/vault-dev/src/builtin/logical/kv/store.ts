/**
 * In-memory state of a KV v2 mount, after hashicorp/vault-plugin-secrets-kv:
 * per-key metadata (KeyMetadata), the data of each version (Version) and the
 * mount configuration (Configuration). Plus the small helpers the paths share:
 * the clock and timestamp text, canonical JSON copies, JSON merge patch and
 * folder-style listing.
 */
import {
  ChangeMarks,
  StateFormatError,
  nanosFromJson,
  nanosToJson,
  objectEntry,
  toJson,
  type JsonValue,
  type Persistable,
  type PersistedEntries,
} from '../../../persist/persistable.js';
import { compareGoStrings } from '../../../sdk/strutil.js';
import { formatRFC3339Nano, nowNanos, secondsToNanos } from '../../../sdk/time.js';

// ---------------------------------------------------------------------------
// Time

/** A source of "now" in nanoseconds since the Unix epoch. */
export interface Clock {
  now(): bigint;
}

/** Go's time.Now(), the clock the rest of the server reads too. */
export function createSystemClock(): Clock {
  return { now: nowNanos };
}

/** A version time as the plugin shows a protobuf Timestamp: RFC3339Nano in UTC, "" when unset. */
export function formatTimestamp(ns: bigint | null): string {
  return ns === null ? '' : formatRFC3339Nano(ns);
}

// ---------------------------------------------------------------------------
// State

export interface VersionMetadata {
  createdTime: bigint;
  /** Soft-delete time; the version counts as deleted once this is in the past. */
  deletionTime: bigint | null;
  destroyed: boolean;
}

export interface KeyMetadata {
  key: string;
  versions: Map<number, VersionMetadata>;
  currentVersion: number;
  oldestVersion: number;
  createdTime: bigint | null;
  updatedTime: bigint | null;
  /** uint32; 0 = use the mount config. */
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0 = not set. */
  deleteVersionAfter: number;
  /** null when unset or empty (protobuf drops empty maps). Keys kept sorted. */
  customMetadata: Record<string, string> | null;
}

export interface KvConfig {
  /** uint32; 0 = the default of 10. */
  maxVersions: number;
  casRequired: boolean;
  /** Seconds; 0 = not set; DVA_DISABLED = disabled for every key. */
  deleteVersionAfter: number;
}

/** Vault stores a negative config delete_version_after as exactly -1s ("disabled"). */
export const DVA_DISABLED = -1;

/** Versions kept when neither the key nor the config sets max_versions. */
export const DEFAULT_MAX_VERSIONS = 10;

export function newKeyMetadata(key: string): KeyMetadata {
  return {
    key,
    versions: new Map(),
    currentVersion: 0,
    oldestVersion: 0,
    createdTime: null,
    updatedTime: null,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfter: 0,
    customMetadata: null,
  };
}

const CONFIG = 'config';
const KEY = 'k/';

/**
 * A KV v2 mount's storage: metadata per key, JSON text per (key, version), and the config.
 *
 * Change tracking: the paths change metadata objects in place after
 * `getMeta`, so handing one out marks its key as well (a read then costs one
 * entry comparison at commit, never a missed write); the config is marked
 * whenever it is handed out, for the same reason.
 */
export class KvV2Store implements Persistable {
  private currentConfig: KvConfig = { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 };
  private readonly metadata = new Map<string, KeyMetadata>();
  /** key → version → the version's data as canonical JSON text (`null` allowed). */
  private readonly data = new Map<string, Map<number, string>>();
  readonly changes = new ChangeMarks();

  get config(): KvConfig {
    this.changes.mark(CONFIG);
    return this.currentConfig;
  }

  set config(config: KvConfig) {
    this.changes.mark(CONFIG);
    this.currentConfig = config;
  }

  getMeta(key: string): KeyMetadata | undefined {
    this.changes.mark(KEY + key);
    return this.metadata.get(key);
  }

  putMeta(meta: KeyMetadata): void {
    this.metadata.set(meta.key, meta);
    this.changes.mark(KEY + meta.key);
  }

  /** Removes the key's metadata and every version's data. */
  deleteKey(key: string): void {
    this.metadata.delete(key);
    this.data.delete(key);
    this.changes.mark(KEY + key);
  }

  putVersionData(key: string, version: number, value: unknown): void {
    this.changes.mark(KEY + key);
    let versions = this.data.get(key);
    if (!versions) {
      versions = new Map();
      this.data.set(key, versions);
    }
    versions.set(version, JSON.stringify(canonicalize(value)));
  }

  /** A fresh copy of the version's data, or undefined when none is stored. */
  getVersionData(key: string, version: number): unknown {
    const text = this.data.get(key)?.get(version);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  }

  deleteVersionData(key: string, version: number): void {
    this.data.get(key)?.delete(version);
    this.changes.mark(KEY + key);
  }

  /** Drops the data of every version up to and including `version` (Vault's cleanupOldVersions). */
  deleteVersionDataUpTo(key: string, version: number): void {
    const versions = this.data.get(key);
    if (!versions) return;
    this.changes.mark(KEY + key);
    for (const v of [...versions.keys()]) if (v <= version) versions.delete(v);
  }

  keys(): IterableIterator<string> {
    return this.metadata.keys();
  }

  /** `config`, and per key `k/<key>`: its metadata with every kept version's data (one write touches one entry). */
  snapshot(): PersistedEntries {
    const out: PersistedEntries = { [CONFIG]: toJson(this.currentConfig) };
    for (const key of this.metadata.keys()) out[KEY + key] = this.keyEntry(key) as JsonValue;
    return out;
  }

  entry(name: string): JsonValue | undefined {
    if (name === CONFIG) return toJson(this.currentConfig);
    return name.startsWith(KEY) ? this.keyEntry(name.slice(KEY.length)) : undefined;
  }

  private keyEntry(key: string): JsonValue | undefined {
    const meta = this.metadata.get(key);
    if (!meta) return undefined;
    const data: Record<string, string> = {};
    for (const [version, text] of this.data.get(key) ?? []) data[String(version)] = text;
    return { meta: metadataToJson(meta), data };
  }

  restore(entries: PersistedEntries): void {
    this.metadata.clear();
    this.data.clear();
    this.changes.markAll();
    const config = entries[CONFIG];
    if (config !== undefined)
      this.currentConfig = { ...this.currentConfig, ...(objectEntry(config, 'kv config') as Partial<KvConfig>) };
    for (const [name, value] of Object.entries(entries)) {
      if (!name.startsWith('k/')) continue;
      const entry = objectEntry(value, 'kv key');
      const meta = metadataFromJson(name.slice(2), entry['meta']);
      this.metadata.set(meta.key, meta);
      const versions = new Map<number, string>();
      for (const [version, text] of Object.entries(objectEntry(entry['data'] ?? {}, 'kv data'))) {
        if (typeof text !== 'string') throw new StateFormatError('kv: a version is not JSON text');
        versions.set(Number(version), text);
      }
      this.data.set(meta.key, versions);
    }
  }
}

function nullableNanos(value: bigint | null): string | null {
  return value === null ? null : nanosToJson(value);
}

function metadataToJson(meta: KeyMetadata): JsonValue {
  const versions: Record<string, JsonValue> = {};
  for (const [n, vm] of meta.versions) {
    versions[String(n)] = {
      createdTime: nanosToJson(vm.createdTime),
      deletionTime: nullableNanos(vm.deletionTime),
      destroyed: vm.destroyed,
    };
  }
  return {
    key: meta.key,
    versions,
    currentVersion: meta.currentVersion,
    oldestVersion: meta.oldestVersion,
    createdTime: nullableNanos(meta.createdTime),
    updatedTime: nullableNanos(meta.updatedTime),
    maxVersions: meta.maxVersions,
    casRequired: meta.casRequired,
    deleteVersionAfter: meta.deleteVersionAfter,
    customMetadata: meta.customMetadata,
  };
}

function metadataFromJson(key: string, value: JsonValue | undefined): KeyMetadata {
  const raw = objectEntry(value, `kv metadata of ${JSON.stringify(key)}`);
  const meta: KeyMetadata = { ...newKeyMetadata(key), ...(raw as Partial<KeyMetadata>), key, versions: new Map() };
  const orNull = (v: JsonValue | undefined): bigint | null => (v === null || v === undefined ? null : nanosFromJson(v));
  meta.createdTime = orNull(raw['createdTime']);
  meta.updatedTime = orNull(raw['updatedTime']);
  for (const [n, vmValue] of Object.entries(objectEntry(raw['versions'] ?? {}, 'kv versions'))) {
    const vm = objectEntry(vmValue, 'kv version');
    meta.versions.set(Number(n), {
      createdTime: nanosFromJson(vm['createdTime']),
      deletionTime: orNull(vm['deletionTime']),
      destroyed: vm['destroyed'] === true,
    });
  }
  return meta;
}

// ---------------------------------------------------------------------------
// Version rules

/** Whether a version is soft-deleted at `now` (its deletion_time is in the past). */
export function isDeleted(vm: VersionMetadata, now: bigint): boolean {
  return vm.deletionTime !== null && vm.deletionTime < now;
}

/**
 * Vault's deletionTime(): creation plus the smaller non-zero of the mount's
 * and the key's delete_version_after; null when both are zero.
 */
export function deletionTime(creation: bigint, mountSeconds: number, metaSeconds: number): bigint | null {
  if (mountSeconds === 0 && metaSeconds === 0) return null;
  let min = 0;
  if (metaSeconds !== 0) min = metaSeconds;
  if ((mountSeconds !== 0 && mountSeconds < min) || min === 0) min = mountSeconds;
  return creation + secondsToNanos(min);
}

/** The deletion_time a version created (or undeleted) at `at` gets, or null. */
export function versionDeletionTime(config: KvConfig, meta: KeyMetadata, at: bigint): bigint | null {
  if (config.deleteVersionAfter === DVA_DISABLED) return null;
  return deletionTime(at, config.deleteVersionAfter, meta.deleteVersionAfter);
}

/**
 * Vault's KeyMetadata.AddVersion: appends a version and slides the window of
 * kept versions. Returns the new version's metadata and the highest version
 * number whose data must now be removed (0 when nothing is pruned).
 */
export function addVersion(
  meta: KeyMetadata,
  createdTime: bigint,
  deletion: bigint | null,
  configMaxVersions: number,
): { vm: VersionMetadata; versionToDelete: number } {
  const vm: VersionMetadata = { createdTime, deletionTime: deletion, destroyed: false };
  meta.currentVersion += 1;
  meta.versions.set(meta.currentVersion, vm);
  meta.updatedTime = createdTime;
  if (meta.createdTime === null) meta.createdTime = createdTime;

  const configured = Math.max(meta.maxVersions, configMaxVersions);
  const maxVersions = configured > 0 ? configured : DEFAULT_MAX_VERSIONS;
  if (meta.currentVersion - meta.oldestVersion >= maxVersions) {
    const versionToDelete = meta.currentVersion - maxVersions;
    for (let i = meta.oldestVersion; i < versionToDelete + 1; i++) meta.versions.delete(i);
    meta.oldestVersion = versionToDelete + 1;
    return { vm, versionToDelete };
  }
  return { vm, versionToDelete: 0 };
}

/** The per-version metadata block of data/subkeys reads and data writes (keys in Go's sorted order). */
export function versionView(meta: KeyMetadata, version: number, vm: VersionMetadata): Record<string, unknown> {
  return {
    created_time: formatTimestamp(vm.createdTime),
    custom_metadata: meta.customMetadata === null ? null : { ...meta.customMetadata },
    deletion_time: formatTimestamp(vm.deletionTime),
    destroyed: vm.destroyed,
    version,
  };
}

// ---------------------------------------------------------------------------
// JSON helpers

const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);
export { hasOwn };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A deep copy with object keys sorted, as Go's encoding/json writes maps.
 * Uses Object.fromEntries so a `__proto__` key stays an ordinary property.
 */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort(compareGoStrings);
    return Object.fromEntries(keys.map((k) => [k, canonicalize(value[k])]));
  }
  return value;
}

/** RFC 7386 JSON merge patch: objects merge recursively, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const base: Record<string, unknown> = isPlainObject(target) ? target : {};
  const entries = new Map<string, unknown>(Object.entries(base));
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) entries.delete(name);
    else entries.set(name, mergePatch(entries.get(name), value));
  }
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------
// Listing

/** Normalizes a list prefix: `""` is the root, anything else ends in `/`. */
export function listPrefix(path: string): string {
  return path === '' || path.endsWith('/') ? path : `${path}/`;
}

/**
 * The immediate children of `prefix` among `keys`, like a storage List:
 * leaf names as they are and sub-folders with a trailing `/` (a name that is
 * both appears twice), sorted.
 */
export function listChildren(
  keys: Iterable<string>,
  prefix: string,
  include: (key: string) => boolean = () => true,
): string[] {
  const out = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    if (rest === '') continue;
    if (!include(key)) continue;
    const slash = rest.indexOf('/');
    out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return [...out].sort(compareGoStrings);
}

// ---------------------------------------------------------------------------
// Backend context

/** What every KV v2 path handler works with. */
export interface KvV2Context {
  store: KvV2Store;
  clock: Clock;
}
