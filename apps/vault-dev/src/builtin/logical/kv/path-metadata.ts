/**
 * `<mount>/metadata/<path>`: a key's version-agnostic settings and history,
 * listing, and permanent deletion (path_metadata.go).
 */
import { formatGoDuration } from '../../../sdk/duration.js';
import { VaultError, errorResponse, multierror } from '../../../sdk/errors.js';
import { FieldError, parseString } from '../../../sdk/fields.js';
import type { FieldData, PathSpec } from '../../../sdk/framework.js';
import { goQuote, isGoPrintable } from '../../../sdk/go-text.js';
import { respondWithStatus, type Request, type Response } from '../../../sdk/logical.js';
import { getDurationOk, toUint32, validateUnsignedDuration } from './fields.js';
import {
  canonicalize,
  formatTimestamp,
  isDeleted,
  listChildren,
  listPrefix,
  mergePatch,
  newKeyMetadata,
  type KeyMetadata,
  type KvV2Context,
} from './store.js';

export const MAX_CUSTOM_METADATA_KEYS = 64;
export const MAX_CUSTOM_METADATA_KEY_LENGTH = 128;
export const MAX_CUSTOM_METADATA_VALUE_LENGTH = 512;
const CM_PREFIX = 'custom_metadata validation failed';

export const WARN_CAS_MANDATED =
  '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

export function pathMetadata(kv: KvV2Context): PathSpec {
  return {
    pattern: 'metadata/(?<path>.*)$',
    fields: {
      path: { type: 'string', description: 'Location of the secret.' },
      cas_required: {
        type: 'bool',
        description: 'If true the key will require the cas parameter to be set on all write requests.',
      },
      max_versions: { type: 'int', description: 'The number of versions to keep.' },
      delete_version_after: { type: 'durationSecond', description: 'The length of time before a version is deleted.' },
      custom_metadata: { type: 'map', description: 'User-provided key-value pairs describing the secret.' },
      exclude_deleted: {
        type: 'bool',
        description: 'Listing only: leave out keys whose latest version is deleted or destroyed.',
      },
    },
    existenceCheck: (_req, data) => kv.store.getMeta(data.get<string>('path')) !== undefined,
    operations: {
      read: (_req, data) => metadataRead(kv, data),
      create: (_req, data) => metadataWrite(kv, data),
      update: (_req, data) => metadataWrite(kv, data),
      patch: (req, data) => metadataPatch(kv, req, data),
      delete: (_req, data) => {
        kv.store.deleteKey(data.get<string>('path'));
        return null;
      },
      list: (_req, data) => metadataList(kv, data),
    },
  };
}

function metadataList(kv: KvV2Context, data: FieldData): Response | null {
  const prefix = listPrefix(data.get<string>('path'));
  const excludeDeleted = data.get<boolean>('exclude_deleted');
  const now = kv.clock.now();
  const include = (key: string): boolean => {
    if (!excludeDeleted) return true;
    const meta = kv.store.getMeta(key);
    const latest = meta?.versions.get(meta.currentVersion);
    return !latest || !(latest.destroyed || isDeleted(latest, now));
  };
  const keys = listChildren(kv.store.keys(), prefix, include);
  return keys.length === 0 ? null : { data: { keys } };
}

function metadataRead(kv: KvV2Context, data: FieldData): Response | null {
  const meta = kv.store.getMeta(data.get<string>('path'));
  if (!meta) return null;
  const versions: Record<string, unknown> = {};
  for (const [n, v] of [...meta.versions.entries()].sort((a, b) => a[0] - b[0])) {
    versions[String(n)] = {
      created_time: formatTimestamp(v.createdTime),
      deletion_time: formatTimestamp(v.deletionTime),
      destroyed: v.destroyed,
    };
  }
  return {
    data: {
      cas_required: meta.casRequired,
      created_time: formatTimestamp(meta.createdTime),
      current_version: meta.currentVersion,
      custom_metadata: meta.customMetadata === null ? null : { ...meta.customMetadata },
      delete_version_after: formatGoDuration(meta.deleteVersionAfter),
      max_versions: meta.maxVersions,
      oldest_version: meta.oldestVersion,
      updated_time: formatTimestamp(meta.updatedTime),
      versions,
    },
  };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; resp: Response };

/**
 * Vault's parseCustomMetadata: each value weakly decoded to a string; with
 * `filterNils` (patch), null values are skipped.
 */
function parseCustomMetadata(raw: Record<string, unknown>, filterNils: boolean): Parsed<Record<string, string>> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(raw)) {
    if (filterNils && v === null) continue;
    try {
      out.set(k, parseString(v));
    } catch (err) {
      const detail = err instanceof FieldError ? err.message : String(err);
      return { ok: false, resp: errorResponse(`${CM_PREFIX}: ${detail}`) };
    }
  }
  return { ok: true, value: Object.fromEntries(out) };
}

/** Vault's validateCustomMetadata: the key-count limit short-circuits; otherwise every key and value is checked. */
export function validateCustomMetadata(cm: Record<string, string>): string | null {
  const entries = Object.entries(cm);
  if (entries.length > MAX_CUSTOM_METADATA_KEYS) {
    return multierror([
      `${CM_PREFIX}: payload must contain at most ${MAX_CUSTOM_METADATA_KEYS} keys, provided ${entries.length}`,
    ]);
  }
  const errs: string[] = [];
  for (const [key, value] of entries) {
    const keyLen = Buffer.byteLength(key, 'utf8');
    if (keyLen === 0 || keyLen > MAX_CUSTOM_METADATA_KEY_LENGTH) {
      errs.push(
        `${CM_PREFIX}: length of key ${goQuote(key)} is ${keyLen} but must be 0 < len(key) <= ${MAX_CUSTOM_METADATA_KEY_LENGTH}`,
      );
    }
    const valueLen = Buffer.byteLength(value, 'utf8');
    if (valueLen === 0 || valueLen > MAX_CUSTOM_METADATA_VALUE_LENGTH) {
      errs.push(
        `${CM_PREFIX}: length of value for key ${goQuote(key)} is ${valueLen} but must be 0 < len(value) <= ${MAX_CUSTOM_METADATA_VALUE_LENGTH}`,
      );
    }
    if (!isGoPrintable(key)) {
      errs.push(`${CM_PREFIX}: key ${goQuote(key)} (${key}) contains unprintable characters`);
    }
    if (!isGoPrintable(value)) {
      errs.push(`${CM_PREFIX}: value for key ${goQuote(key)} contains unprintable characters`);
    }
  }
  return errs.length > 0 ? multierror(errs) : null;
}

/** Stored form of custom metadata: sorted keys; empty collapses to null as protobuf does. */
function storedCustomMetadata(cm: Record<string, string>): Record<string, string> | null {
  if (Object.keys(cm).length === 0) return null;
  return canonicalize(cm) as Record<string, string>;
}

/** Parses and validates the request's custom_metadata (absent → undefined). */
function customMetadataInput(data: FieldData, filterNils: boolean): Parsed<Record<string, string>> | undefined {
  if (!data.has('custom_metadata')) return undefined;
  const parsed = parseCustomMetadata(data.get<Record<string, unknown>>('custom_metadata'), filterNils);
  if (!parsed.ok) return parsed;
  const invalid = validateCustomMetadata(parsed.value);
  return invalid ? { ok: false, resp: errorResponse(invalid) } : parsed;
}

function casMandatedWarning(kv: KvV2Context, data: FieldData): Response | null {
  const cas = data.getOk('cas_required');
  if (cas.ok && kv.store.config.casRequired && cas.value === false) return { warnings: [WARN_CAS_MANDATED] };
  return null;
}

function metadataWrite(kv: KvV2Context, data: FieldData): Response | null {
  const invalidDuration = validateUnsignedDuration(data, 'delete_version_after');
  if (invalidDuration) return invalidDuration;

  const key = data.get<string>('path');
  if (key === '') return errorResponse('missing path');

  const max = data.getOk('max_versions');
  const cas = data.getOk('cas_required');
  const dva = getDurationOk(data, 'delete_version_after');
  const cmOk = data.has('custom_metadata');
  // Nothing to set: a no-op that creates nothing.
  if (!max.ok && !cas.ok && dva === undefined && !cmOk) return null;

  const cmInput = customMetadataInput(data, false);
  if (cmInput && !cmInput.ok) return cmInput.resp;

  const resp = casMandatedWarning(kv, data);

  let meta = kv.store.getMeta(key);
  if (!meta) {
    const now = kv.clock.now();
    meta = { ...newKeyMetadata(key), createdTime: now, updatedTime: now };
  }
  if (max.ok) meta.maxVersions = toUint32(max.value as number);
  if (cas.ok) meta.casRequired = cas.value as boolean;
  if (dva !== undefined) meta.deleteVersionAfter = dva;
  if (cmInput) meta.customMetadata = storedCustomMetadata(cmInput.value);
  kv.store.putMeta(meta);
  return resp;
}

/**
 * PATCH: a JSON merge patch of the patchable fields onto the stored metadata.
 * Within custom_metadata a null removes a key; a null custom_metadata clears it.
 */
function metadataPatch(kv: KvV2Context, req: Request, data: FieldData): Response | null {
  const invalidDuration = validateUnsignedDuration(data, 'delete_version_after');
  if (invalidDuration) return invalidDuration;

  const key = data.get<string>('path');
  if (key === '') return errorResponse('missing path');

  const cmInput = customMetadataInput(data, true);
  if (cmInput && !cmInput.ok) return cmInput.resp;

  const meta = kv.store.getMeta(key);
  if (!meta) return respondWithStatus(req, 404);

  const resp = casMandatedWarning(kv, data);

  // Work out the merged custom_metadata first: it can still fail, and must not leave a half-applied patch.
  let customMetadata = meta.customMetadata;
  if (cmInput) {
    const patch = data.raw['custom_metadata'] === null ? null : data.get<Record<string, unknown>>('custom_metadata');
    customMetadata = patchedCustomMetadata(meta, patch);
  }
  const max = data.getOk('max_versions');
  if (max.ok) meta.maxVersions = toUint32(max.value as number);
  const cas = data.getOk('cas_required');
  if (cas.ok) meta.casRequired = cas.value as boolean;
  const dva = getDurationOk(data, 'delete_version_after');
  if (dva !== undefined) meta.deleteVersionAfter = dva;
  meta.customMetadata = customMetadata;
  kv.store.putMeta(meta);
  return resp;
}

/** Merges a custom_metadata patch; the result must decode as string→string, as Vault unmarshals it into KeyMetadata. */
function patchedCustomMetadata(
  meta: KeyMetadata,
  patch: Record<string, unknown> | null,
): Record<string, string> | null {
  const merged = mergePatch(meta.customMetadata ?? {}, patch);
  if (merged === null) return null;
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(merged as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      const kind =
        typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'array' : 'object';
      throw new VaultError(
        `json: cannot unmarshal ${kind} into Go struct field KeyMetadata.custom_metadata of type string`,
      );
    }
    out.set(k, v);
  }
  return storedCustomMetadata(Object.fromEntries(out));
}
