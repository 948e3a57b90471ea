/**
 * `<mount>/subkeys/<path>`: the shape of a secret with every leaf value
 * replaced by null (path_subkeys.go).
 */
import { VaultError } from '../../../sdk/errors.js';
import type { PathSpec } from '../../../sdk/framework.js';
import { respondWithStatus } from '../../../sdk/logical.js';
import { isDeleted, isPlainObject, versionView, type KvV2Context } from './store.js';

/**
 * Vault's removeValues: non-map values and empty maps become null; maps are
 * walked while the depth allows (0 = no limit). Top-level keys are depth 1.
 */
export function removeValues(input: unknown, maxDepth: number): unknown {
  if (!isPlainObject(input)) return input === null ? null : input;
  const walk = (node: Record<string, unknown>, depth: number): Record<string, unknown> => {
    const out = new Map<string, unknown>();
    for (const [k, v] of Object.entries(node)) {
      const next = depth + 1;
      if (isPlainObject(v) && (maxDepth === 0 || next <= maxDepth) && Object.keys(v).length > 0) {
        out.set(k, walk(v, next));
      } else {
        out.set(k, null);
      }
    }
    return Object.fromEntries(out);
  };
  return walk(input, 1);
}

export function pathSubkeys(kv: KvV2Context): PathSpec {
  return {
    pattern: 'subkeys/(?<path>.*)$',
    fields: {
      path: { type: 'string', description: 'Location of the secret.' },
      version: { type: 'int', description: 'Which version to read; the current version when not provided.' },
      depth: { type: 'int', description: 'The deepest nesting level to provide in the output; 0 means no limit.' },
    },
    operations: {
      read: (req, data) => {
        const key = data.get<string>('path');
        const depth = data.get<number>('depth');
        const meta = kv.store.getMeta(key);
        if (!meta) return null;

        let version = meta.currentVersion;
        const requested = data.get<number>('version');
        if (requested > 0) version = requested;
        const vm = meta.versions.get(version);
        if (!vm) return null;

        const metadata = versionView(meta, version, vm);
        if (isDeleted(vm, kv.clock.now()) || vm.destroyed) {
          return respondWithStatus(req, 404, { data: { metadata, subkeys: null } });
        }

        const value = kv.store.getVersionData(key, version);
        if (value === undefined) throw new VaultError('could not find version data');
        return { data: { metadata, subkeys: removeValues(value, depth) } };
      },
    },
  };
}
