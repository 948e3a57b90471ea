/**
 * The token auth method (`auth/token/`), after Vault's vault/token_store.go:
 * creating tokens (path-create.ts), roles (path-roles.ts), lookup
 * (path-lookup.ts), renewal (path-renew.ts), revocation (path-revoke.ts),
 * accessor listing and tidy (path-misc.ts). The token state itself is the
 * core's TokenStore (vault/token-store.ts).
 */
import { FrameworkBackend, type BackendFactory, type SpecialPaths } from '../../../sdk/framework.js';
import type { TokenBackendCore, TokenContext } from './context.js';
import { createPaths } from './path-create.js';
import { lookupPaths } from './path-lookup.js';
import { miscPaths } from './path-misc.js';
import { renewPaths } from './path-renew.js';
import { revokePaths } from './path-revoke.js';
import { rolePaths } from './path-roles.js';
import { TokenRoleStore } from './roles.js';

export type { TokenBackendCore } from './context.js';

export const TOKEN_BACKEND_TYPE = 'token';

/** Vault's token store PathsSpecial.Root. */
export const TOKEN_SPECIAL_PATHS: SpecialPaths = { root: ['revoke-orphan/*', 'accessors*'] };

export function tokenBackendFactory(core: TokenBackendCore): BackendFactory {
  return (config) => {
    const ctx: TokenContext = { core, system: config.system, roles: new TokenRoleStore() };
    const backend = new FrameworkBackend(
      TOKEN_BACKEND_TYPE,
      [
        ...rolePaths(ctx),
        ...miscPaths(ctx),
        ...createPaths(ctx),
        ...lookupPaths(ctx),
        ...revokePaths(ctx),
        ...renewPaths(ctx),
      ],
      TOKEN_SPECIAL_PATHS,
    );
    // The tokens themselves are the core's; the mount keeps its roles.
    backend.persistence = ctx.roles;
    return backend;
  };
}
