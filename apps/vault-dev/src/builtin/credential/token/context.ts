/**
 * What the token store's path handlers share: the slice of the core they act
 * on (tokens, policies, mounts, identity, other auth backends for renewals),
 * the token mount's system view and the role table.
 *
 * `TokenBackendCore` is structural so the real `Core` satisfies it and unit
 * tests can pass a small stand-in around a real `TokenStore`.
 */
import type { Backend, SystemView } from '../../../sdk/framework.js';
import type { MountConfig } from '../../../vault/mounts.js';
import type { TokenEntry, TokenStore } from '../../../vault/token-store.js';
import type { TokenRoleStore } from './roles.js';

export interface TokenBackendCore {
  readonly tokens: TokenStore;
  readonly policies: { exists(name: string): boolean };
  readonly router: {
    byRoutePrefix(prefix: string): { config: MountConfig; accessor: string } | undefined;
  };
  readonly identity: { entityFor(mountAccessor: string, aliasName: string): string };
  backendAt(routePrefix: string): Backend | undefined;
  now(): number;
}

export interface TokenContext {
  core: TokenBackendCore;
  /** The token mount's TTLs (Vault's ts.System()). */
  system: SystemView;
  roles: TokenRoleStore;
}

/** Every token the token store mints lives under this path and mount. */
export const TOKEN_MOUNT = 'auth/token/';

/** Policies a token may never be given (Vault's nonAssignablePolicies). */
export const NON_ASSIGNABLE_POLICIES = ['response-wrapping', 'control-group'];

/**
 * A token by id, including one whose last use is being spent by this very
 * request (Vault's lookupInternal with tainted=true): lookup-self on a
 * token's final use still answers.
 */
export function lookupTainted(tokens: TokenStore, id: string): TokenEntry | undefined {
  if (!id) return undefined;
  return tokens.lookup(id) ?? tokens.lookupTainted(id);
}

/** ryanuber/go-glob: `*` matches any run of characters. */
export function glob(pattern: string, subject: string): boolean {
  if (pattern === '') return subject === pattern;
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return subject === pattern;
  const leadingGlob = pattern.startsWith('*');
  const trailingGlob = pattern.endsWith('*');
  const end = parts.length - 1;
  let subj = subject;
  for (let i = 0; i < end; i++) {
    const part = parts[i] as string;
    const idx = subj.indexOf(part);
    if (i === 0) {
      if (!leadingGlob && idx !== 0) return false;
    } else if (idx < 0) {
      return false;
    }
    subj = subj.slice(idx + part.length);
  }
  return trailingGlob || subj.endsWith(parts[end] as string);
}

/** strutil.StrListContainsGlob: does any pattern in the list match the item? */
export function listContainsGlob(patterns: readonly string[], item: string): boolean {
  return patterns.some((p) => glob(p, item));
}
