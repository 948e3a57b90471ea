/**
 * `<mount>/delete/<path>` and `<mount>/undelete/<path>`: soft-delete and
 * restore chosen versions (path_delete.go).
 */
import { errorResponse } from '../../../sdk/errors.js';
import type { FieldData, PathSpec } from '../../../sdk/framework.js';
import type { Response } from '../../../sdk/logical.js';
import { isDeleted, versionDeletionTime, type KvV2Context } from './store.js';

/** Capitalised for delete and undelete; destroy says it in lower case. */
export const ERR_NO_VERSION_CAPITALISED = 'No version number provided';

const versionFields = (description: string) => ({
  path: { type: 'string' as const, description: 'Location of the secret.' },
  versions: { type: 'commaIntSlice' as const, description },
});

export function pathsDelete(kv: KvV2Context): PathSpec[] {
  return [
    {
      pattern: 'delete/(?<path>.*)$',
      fields: versionFields('The versions to be archived.'),
      operations: { update: (_req, data) => deleteVersions(kv, data) },
    },
    {
      pattern: 'undelete/(?<path>.*)$',
      fields: versionFields('The versions to unarchive.'),
      operations: { update: (_req, data) => undeleteVersions(kv, data) },
    },
  ];
}

function deleteVersions(kv: KvV2Context, data: FieldData): Response | null {
  const versions = data.get<number[]>('versions');
  if (versions.length === 0) return errorResponse(ERR_NO_VERSION_CAPITALISED);
  const meta = kv.store.getMeta(data.get<string>('path'));
  if (!meta) return null;
  const now = kv.clock.now();
  for (const n of versions) {
    const vm = meta.versions.get(n);
    // Unknown, destroyed and already deleted versions are skipped.
    if (!vm || vm.destroyed || isDeleted(vm, now)) continue;
    vm.deletionTime = now;
  }
  return null;
}

function undeleteVersions(kv: KvV2Context, data: FieldData): Response | null {
  const versions = data.get<number[]>('versions');
  if (versions.length === 0) return errorResponse(ERR_NO_VERSION_CAPITALISED);
  const meta = kv.store.getMeta(data.get<string>('path'));
  if (!meta) return null;
  const config = kv.store.config;
  for (const n of versions) {
    const vm = meta.versions.get(n);
    if (!vm || vm.destroyed) continue;
    // A restored version gets a fresh deletion_time when delete_version_after applies.
    vm.deletionTime = versionDeletionTime(config, meta, kv.clock.now());
  }
  return null;
}
