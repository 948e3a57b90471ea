/**
 * `tidy/secret-id` and the periodic tidy, after Vault's
 * builtin/credential/approle/path_tidy_user_id.go: expired SecretIDs are
 * deleted with their accessors, SecretIDs without an accessor are deleted,
 * and accessor entries pointing at no SecretID are dropped.
 */
import type { PathSpec } from '../../../sdk/framework.js';
import type { AppRoleContext } from './context.js';
import { SECRET_ID_LOCAL_PREFIX, SECRET_ID_PREFIX, type SecretIDPrefix } from './role.js';
import { isExpired } from './validation.js';

const STARTED =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

function tidyPrefix(ctx: AppRoleContext, prefix: SecretIDPrefix): void {
  const { store } = ctx;
  const now = ctx.now();
  const live = new Set<string>();
  for (const roleNameHMAC of store.listSecretIdRoles(prefix)) {
    for (const secretIdHMAC of store.listSecretIds(prefix, roleNameHMAC)) {
      const entry = store.getSecretId(prefix, roleNameHMAC, secretIdHMAC);
      if (!entry) continue;
      if (store.getAccessor(prefix, entry.secretIdAccessor) === null) {
        store.deleteSecretId(prefix, roleNameHMAC, secretIdHMAC);
        continue;
      }
      if (isExpired(entry, now)) {
        store.deleteAccessor(prefix, entry.secretIdAccessor);
        store.deleteSecretId(prefix, roleNameHMAC, secretIdHMAC);
        continue;
      }
      live.add(secretIdHMAC);
    }
  }
  // Dangling accessors (their SecretID was deleted with its role, say).
  for (const { accessor, secretIdHMAC } of store.listAccessors(prefix)) {
    if (!live.has(secretIdHMAC)) store.deleteAccessor(prefix, accessor);
  }
}

/** One tidy pass over both the replicated and the cluster-local SecretIDs. */
export function tidySecretIds(ctx: AppRoleContext): void {
  tidyPrefix(ctx, SECRET_ID_PREFIX);
  tidyPrefix(ctx, SECRET_ID_LOCAL_PREFIX);
}

export function tidyPath(ctx: AppRoleContext): PathSpec {
  return {
    pattern: 'tidy/secret-id$',
    operations: {
      // Vault runs the tidy in the background and answers 202 at once; ours is
      // in-memory and quick, so it has finished by the time the 202 is sent.
      update: () => {
        tidySecretIds(ctx);
        return { status: 202, warnings: [STARTED] };
      },
    },
  };
}
