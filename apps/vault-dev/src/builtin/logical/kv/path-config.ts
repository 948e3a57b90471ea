/**
 * `<mount>/config`: mount-wide max_versions, cas_required and
 * delete_version_after (path_config.go).
 */
import { formatGoDuration } from '../../../sdk/duration.js';
import type { PathSpec } from '../../../sdk/framework.js';
import { getDurationOk, toUint32 } from './fields.js';
import { DVA_DISABLED, type KvV2Context } from './store.js';

export function pathConfig(kv: KvV2Context): PathSpec {
  return {
    pattern: 'config$',
    fields: {
      max_versions: { type: 'int', description: 'The number of versions to keep for each key. Defaults to 10' },
      cas_required: {
        type: 'bool',
        description: 'If true, the backend will require the cas parameter to be set for each write',
      },
      // TypeSignedDurationSecond: a negative value disables delete_version_after on every key.
      delete_version_after: { type: 'durationSecond', description: 'The length of time before a version is deleted.' },
    },
    operations: {
      read: () => {
        const config = kv.store.config;
        return {
          data: {
            cas_required: config.casRequired,
            delete_version_after: formatGoDuration(config.deleteVersionAfter),
            max_versions: config.maxVersions,
          },
        };
      },
      update: (_req, data) => {
        const max = data.getOk('max_versions');
        const cas = data.getOk('cas_required');
        const dva = getDurationOk(data, 'delete_version_after');
        if (!max.ok && !cas.ok && dva === undefined) return null;

        const config = { ...kv.store.config };
        if (max.ok) config.maxVersions = toUint32(max.value as number);
        if (cas.ok) config.casRequired = cas.value as boolean;
        if (dva !== undefined) config.deleteVersionAfter = dva < 0 ? DVA_DISABLED : dva;
        kv.store.config = config;
        return null;
      },
    },
  };
}
