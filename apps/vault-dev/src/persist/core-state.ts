/**
 * The core's own sections: the mount table (restored first, then each
 * mount's backend store from `mount/<uuid>`), tokens with the dev root token,
 * policies, cubbyholes, identity entities and the audit table.
 */
import type { AuditBroker } from '../audit/broker.js';
import type { Core } from '../vault/core.js';
import { expirationManagerOf } from '../vault/expiration.js';
import { MountError, type MountClass, type MountConfig, type MountEntry } from '../vault/mounts.js';
import {
  StateFormatError,
  objectEntry,
  toJson,
  type JsonValue,
  type Persistable,
  type PersistedEntries,
} from './persistable.js';
import { mountSection } from './registry.js';

export interface CoreStateOptions {
  /** `-dev-root-token-id`: must be the root token after a restore too. */
  rootTokenId?: string;
}

/**
 * Registers every core store, in restore order: mounts before the tokens that
 * name them, and secret leases last, so that each lease finds its engine
 * attached and its token restored.
 */
export function registerCoreState(core: Core, broker: AuditBroker, options: CoreStateOptions = {}): void {
  core.persist.register('core/mounts', mountTable(core));
  core.persist.register('core/tokens', tokensWithRoot(core, options.rootTokenId));
  const expiration = expirationManagerOf(core);
  core.persist.register('core/expiration', expiration);
  // An expiry revocation happens between requests: save it now, not at the next request.
  expiration.onBackgroundChange(() => core.persist.commitQuietly());
  core.persist.register('core/policies', core.policies);
  core.persist.register('core/cubbyhole', core.cubbyhole);
  core.persist.register('core/identity', core.identity);
  core.persist.register('core/audit', broker);
}

interface SavedMount {
  mountClass: MountClass;
  path: string;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  local: boolean;
  sealWrap: boolean;
  externalEntropyAccess: boolean;
  options: Record<string, string> | null;
  config: MountConfig;
}

/**
 * Every mount, keyed by route prefix. Restoring keeps a mount that already
 * exists with the same type and options (the built-ins, the dev `secret/`),
 * takes its saved identity and tuning, replaces any other, then restores each
 * backend's store.
 */
function mountTable(core: Core): Persistable {
  return {
    snapshot(): PersistedEntries {
      const out: PersistedEntries = {};
      for (const entry of core.router.all()) {
        const saved: SavedMount = {
          mountClass: entry.mountClass,
          path: entry.path,
          type: entry.type,
          description: entry.description,
          accessor: entry.accessor,
          uuid: entry.uuid,
          local: entry.local,
          sealWrap: entry.sealWrap,
          externalEntropyAccess: entry.externalEntropyAccess,
          options: entry.options,
          config: entry.config,
        };
        out[entry.routePrefix] = toJson(saved);
      }
      return out;
    },
    restore(entries: PersistedEntries): void {
      const saved = new Map<string, SavedMount>();
      for (const [prefix, value] of Object.entries(entries)) {
        saved.set(prefix, objectEntry(value, `mount ${prefix}`) as unknown as SavedMount);
      }
      for (const entry of core.router.all()) {
        const want = saved.get(entry.routePrefix);
        if (!want || !sameEngine(entry, want)) core.router.unmount(entry.mountClass, entry.path);
      }
      for (const [prefix, want] of saved) {
        let entry = core.router.byRoutePrefix(prefix);
        if (!entry) {
          try {
            entry = core.router.mount(want.mountClass, {
              path: want.path,
              type: want.type,
              description: want.description,
              local: want.local,
              sealWrap: want.sealWrap,
              externalEntropyAccess: want.externalEntropyAccess,
              options: want.options,
              config: want.config,
            });
          } catch (err) {
            const why = err instanceof MountError ? err.message : String(err);
            throw new StateFormatError(`the saved ${want.type} mount at ${prefix} cannot be mounted again (${why})`);
          }
        }
        entry.accessor = want.accessor;
        entry.uuid = want.uuid;
        entry.description = want.description;
        entry.options = want.options;
        // In place: the backend's system view reads this object.
        Object.assign(entry.config, want.config);
        const state = core.persist.claim(mountSection(want.uuid));
        if (state && entry.backend.persistence) entry.backend.persistence.restore(state);
      }
    },
  };
}

function sameEngine(entry: MountEntry, want: SavedMount): boolean {
  return (
    entry.mountClass === want.mountClass &&
    entry.type === want.type &&
    JSON.stringify(entry.options ?? null) === JSON.stringify(want.options ?? null)
  );
}

/**
 * The token store plus which token is the dev root. After a restore the
 * root is: the `-dev-root-token-id` token (kept if saved, else created), or
 * the saved root token while it is still valid, or a new one.
 */
function tokensWithRoot(core: Core, requestedRootId: string | undefined): Persistable {
  return {
    // The root id changes only when the core is built and in restore, both followed by a whole comparison.
    changes: core.tokens.changes,
    entry(name: string): JsonValue | undefined {
      return name === 'root' ? core.rootToken.id : core.tokens.entry(name);
    },
    snapshot(): PersistedEntries {
      return { ...core.tokens.snapshot(), root: core.rootToken.id };
    },
    restore(entries: PersistedEntries): void {
      core.tokens.restore(entries);
      const savedRoot = typeof entries['root'] === 'string' ? entries['root'] : '';
      const wanted = requestedRootId || savedRoot;
      const existing = wanted ? core.tokens.lookup(wanted) : undefined;
      if (existing && !existing.policies.includes('root')) {
        throw new StateFormatError(
          `the root token id given (-dev-root-token-id) belongs to a saved token without the root policy`,
        );
      }
      if (existing) core.rootToken = existing;
      else core.createRootToken(requestedRootId);
    },
  };
}
