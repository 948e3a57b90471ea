/**
 * A short-lived, few-use Vault token from the app's token role: the controller uses it to mint one
 * SecretID itself. It carries only the getsecretid policy (no `default`), lives at most 60 s (the
 * role caps it too) and is good for two requests, so a leaked one is worth little.
 */
import type { TSecretIdTokenResponse } from '@secret-api/contract';
import { ApiError } from '../../http/api-error.js';
import { ensuredObjects, withEnsuredObject, type SecretIdDeps } from './ensured-objects.js';
import type { VaultObjects } from '@secret-api/vault-policy';

export const SECRET_ID_TOKEN_TTL = '60s';
export const SECRET_ID_TOKEN_USES = 2;

/** The token-create request: also what deploy/vault/secret-api.hcl must allow, and its test sends. */
export function secretIdTokenRequest(objects: VaultObjects, requestedBy: string) {
  return {
    policies: [objects.getSecretIdPolicy.name],
    no_default_policy: true,
    ttl: SECRET_ID_TOKEN_TTL,
    num_uses: SECRET_ID_TOKEN_USES,
    display_name: `getsecretid-${objects.roleName}`,
    meta: { app: objects.app, cluster: objects.cluster.name, requested_by: requestedBy },
  };
}

export async function issueSecretIdToken(
  deps: SecretIdDeps,
  app: string,
  cluster: string,
  requestedBy: string,
): Promise<TSecretIdTokenResponse> {
  const objects = await ensuredObjects(deps, app, cluster);
  const result = await withEnsuredObject(deps, objects, 'tokenRole', () =>
    deps.vault.write(`auth/token/create/${objects.tokenRole.name}`, secretIdTokenRequest(objects, requestedBy)),
  );
  if (!result.auth) throw new ApiError('internal', 'Vault returned no token');
  deps.metrics.secretIdsIssued.inc({ kind: 'token', cluster });
  return { token: result.auth.client_token, ttl: result.auth.lease_duration, policies: result.auth.policies };
}
