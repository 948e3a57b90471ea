/**
 * `<mount>/destroy/<path>`: permanently remove the data of chosen versions
 * (path_destroy.go).
 */
import { errorResponse } from '../../../sdk/errors.js';
import type { PathSpec } from '../../../sdk/framework.js';
import type { KvV2Context } from './store.js';

/** Lower case here, unlike delete/undelete. */
export const ERR_NO_VERSION_LOWERCASE = 'no version number provided';

export function pathDestroy(kv: KvV2Context): PathSpec {
  return {
    pattern: 'destroy/(?<path>.*)$',
    fields: {
      path: { type: 'string', description: 'Location of the secret.' },
      versions: {
        type: 'commaIntSlice',
        description: 'The versions to destroy. Their data will be permanently deleted.',
      },
    },
    operations: {
      update: (_req, data) => {
        const key = data.get<string>('path');
        const versions = data.get<number[]>('versions');
        if (versions.length === 0) return errorResponse(ERR_NO_VERSION_LOWERCASE);
        const meta = kv.store.getMeta(key);
        if (!meta) return null;
        for (const n of versions) {
          const vm = meta.versions.get(n);
          if (!vm || vm.destroyed) continue;
          vm.destroyed = true;
        }
        for (const n of versions) kv.store.deleteVersionData(key, n);
        return null;
      },
    },
  };
}
