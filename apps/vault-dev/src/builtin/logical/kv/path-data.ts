/**
 * `<mount>/data/<path>`: read, write, patch and soft-delete the versions of a
 * secret (path_data.go).
 */
import { VaultError, errorResponse } from '../../../sdk/errors.js';
import { parseInt64 } from '../../../sdk/fields.js';
import type { FieldData, PathSpec } from '../../../sdk/framework.js';
import { respondWithStatus, type Request, type Response } from '../../../sdk/logical.js';
import {
  addVersion,
  hasOwn,
  isDeleted,
  mergePatch,
  newKeyMetadata,
  versionDeletionTime,
  versionView,
  type KeyMetadata,
  type KvConfig,
  type KvV2Context,
} from './store.js';

export const ERR_NO_DATA = 'no data provided';
export const ERR_CAS_PARSE = 'error parsing check-and-set parameter';
export const ERR_CAS_MISMATCH = 'check-and-set parameter did not match the current version';
export const ERR_CAS_REQUIRED = 'check-and-set parameter required for this call';

export function pathData(kv: KvV2Context): PathSpec {
  const exists = (_req: Request, data: FieldData): boolean => kv.store.getMeta(data.get<string>('path')) !== undefined;
  return {
    // Vault's matchAllNoTrailingSlashRegex: the key may not end in `/`.
    pattern: 'data/(?<path>.*?[^/])$',
    fields: {
      path: { type: 'string', description: 'Location of the secret.' },
      version: {
        type: 'int',
        description: 'If provided during a read, the value at the version number will be returned',
      },
      options: { type: 'map', description: 'Options for writing a KV entry (cas).' },
      data: { type: 'map', description: 'The contents of the data map will be stored and returned on read.' },
    },
    existenceCheck: exists,
    operations: {
      read: (req, data) => dataRead(kv, req, data),
      create: (_req, data) => dataWrite(kv, data),
      update: (_req, data) => dataWrite(kv, data),
      patch: (req, data) => dataPatch(kv, req, data),
      delete: (_req, data) => dataDelete(kv, data),
    },
  };
}

/** The `data` field as Vault decodes it: a JSON null stays null (stored and read back as null). */
function secretData(data: FieldData): Record<string, unknown> | null {
  return data.raw['data'] === null ? null : data.get<Record<string, unknown>>('data');
}

/**
 * Vault's validateCheckAndSetOption: `options.cas` (weakly decoded to an int)
 * must equal the current version; without it, a mount or key with
 * cas_required refuses the write.
 */
export function checkAndSet(data: FieldData, config: KvConfig, meta: KeyMetadata): string | null {
  const options = data.has('options') ? data.get<Record<string, unknown>>('options') : undefined;
  if (options && hasOwn(options, 'cas')) {
    let cas: number;
    try {
      // mapstructure.WeakDecode(nil, &cas) leaves cas at 0.
      cas = options['cas'] === null ? 0 : parseInt64(options['cas']);
    } catch {
      return ERR_CAS_PARSE;
    }
    if (cas !== meta.currentVersion) return ERR_CAS_MISMATCH;
    return null;
  }
  if (config.casRequired || meta.casRequired) return ERR_CAS_REQUIRED;
  return null;
}

function dataRead(kv: KvV2Context, req: Request, data: FieldData): Response | null {
  const key = data.get<string>('path');
  const meta = kv.store.getMeta(key);
  if (!meta) return null;

  let version = meta.currentVersion;
  const requested = data.get<number>('version');
  if (requested > 0) version = requested;

  const vm = meta.versions.get(version);
  if (!vm) return null;

  const metadata = versionView(meta, version, vm);
  // A deleted or destroyed version answers 404 with its metadata, so clients can tell it from a missing one.
  if (isDeleted(vm, kv.clock.now()) || vm.destroyed) {
    return respondWithStatus(req, 404, { data: { data: null, metadata } });
  }

  const value = kv.store.getVersionData(key, version);
  if (value === undefined) throw new VaultError('could not find version data');
  return { data: { data: value, metadata } };
}

/** Stores a new version of `key` with `value`, prunes old ones, and answers like Vault's write/patch. */
function storeNewVersion(kv: KvV2Context, meta: KeyMetadata, value: unknown): Response {
  const config = kv.store.config;
  const now = kv.clock.now();
  const { vm, versionToDelete } = addVersion(meta, now, versionDeletionTime(config, meta, now), config.maxVersions);
  kv.store.putVersionData(meta.key, meta.currentVersion, value);
  kv.store.putMeta(meta);
  if (versionToDelete > 0) kv.store.deleteVersionDataUpTo(meta.key, versionToDelete);
  return { data: versionView(meta, meta.currentVersion, vm) };
}

function dataWrite(kv: KvV2Context, data: FieldData): Response {
  const key = data.get<string>('path');
  if (key === '') return errorResponse('missing path');
  if (!data.has('data')) return errorResponse(ERR_NO_DATA);
  const value = secretData(data);

  const meta = kv.store.getMeta(key) ?? newKeyMetadata(key);
  const casError = checkAndSet(data, kv.store.config, meta);
  if (casError) return errorResponse(casError);

  return storeNewVersion(kv, meta, value);
}

function dataPatch(kv: KvV2Context, req: Request, data: FieldData): Response {
  const key = data.get<string>('path');
  if (!data.has('data')) return errorResponse(ERR_NO_DATA);

  const meta = kv.store.getMeta(key);
  // A missing key: 404 with no body at all.
  if (!meta) return respondWithStatus(req, 404);

  const casError = checkAndSet(data, kv.store.config, meta);
  if (casError) return errorResponse(casError);

  const current = meta.currentVersion;
  const vm = meta.versions.get(current);
  if (!vm) return respondWithStatus(req, 404);
  // Unlike a read, the 404 body here is the flat version metadata (pathDataPatch's notFoundResp).
  if (isDeleted(vm, kv.clock.now()) || vm.destroyed) {
    return respondWithStatus(req, 404, { data: versionView(meta, current, vm) });
  }

  const existing = kv.store.getVersionData(key, current);
  if (existing === undefined) throw new VaultError('could not find version data');
  // framework.HandlePatchOperation refuses a nil resource.
  if (existing === null) throw new VaultError('resource does not exist');

  const patch = secretData(data);
  // A null patch document unmarshals to a nil map and leaves the resource as it is.
  const patched = patch === null ? existing : mergePatch(existing, patch);
  return storeNewVersion(kv, meta, patched);
}

function dataDelete(kv: KvV2Context, data: FieldData): null {
  const meta = kv.store.getMeta(data.get<string>('path'));
  if (!meta) return null;
  const latest = meta.versions.get(meta.currentVersion);
  const now = kv.clock.now();
  // No latest version, or it is already destroyed or deleted: nothing to do.
  if (!latest || latest.destroyed || isDeleted(latest, now)) return null;
  latest.deletionTime = now;
  return null;
}
