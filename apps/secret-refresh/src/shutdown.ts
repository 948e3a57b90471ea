/**
 * On SIGTERM/SIGINT: revoke every lease and the token (revoking the token also ends the
 * leases it created — which is why a lease Vault will not let us revoke directly, as with the
 * default policy, is not an error), all within the shutdown timeout. REVOKE_ON_EXIT=false leaves
 * everything to expire, as kube-vault-auth-renewer does.
 */
import { VaultRefusedError, VaultUnavailableError } from './errors.js';
import { revoke, type Item } from './items.js';
import type { Logger } from './log.js';
import type { VaultClient } from './vault.js';

export async function revokeAll(vault: VaultClient, items: Item[], log: Logger, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const leases = items.filter((i) => i.kind === 'lease' && i.state !== 'lost');
  const token = items.find((i) => i.kind === 'token')!;
  // Side by side: the token's revocation (which ends every lease it made) must not wait behind lease revocations
  // that a hanging Vault holds for a whole client timeout.
  const work = Promise.all([...leases, token].map((item) => revokeOne(vault, item, log, deadline)));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([work.then(() => 'done' as const), timedOut]);
  clearTimeout(timer);
  const direct = leases.filter((l) => l.state === 'revoked').length;
  const notDirect = leases.filter((l) => l.state !== 'revoked').map((l) => l.label);
  const fields = { leasesRevoked: direct, leasesNotRevokedDirectly: notDirect.join(', ') || undefined };
  if (outcome === 'timeout') {
    log.warn(`shutdown timeout (${timeoutMs} ms) reached; what is not revoked is left to expire`, {
      ...fields,
      tokenRevoked: token.state === 'revoked',
    });
  } else if (token.state === 'revoked') {
    log.info('revoked the token, and with it every lease it created', fields);
  } else {
    log.warn('could not revoke the token; it is left to expire', fields);
  }
}

/**
 * Revokes one item, trying again while the shutdown budget lasts when Vault is unreachable or answers 5xx: a pod is
 * often deleted during the very network blip or Vault restart that would otherwise leave its credentials alive.
 */
async function revokeOne(vault: VaultClient, item: Item, log: Logger, deadline: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      // Each try gets at most half of what is left, so a Vault that takes the connection and never answers still
      // leaves time for another try once it is back.
      await revoke(vault, item, Math.max(1, Math.floor((deadline - Date.now()) / 2)));
      item.state = 'revoked';
      log.info(`${item.kind} revoked`, { item: item.label, ...(attempt > 0 && { attempts: attempt + 1 }) });
      return;
    } catch (err) {
      item.problem = (err as Error).message;
      if (item.kind === 'lease' && err instanceof VaultRefusedError && err.status === 403) {
        log.info('not allowed to revoke the lease directly; revoking the token ends it if the token created it', {
          item: item.label,
        });
        return;
      }
      if (item.kind === 'token' && attempt > 0 && err instanceof VaultRefusedError && err.status === 403) {
        // An earlier attempt whose answer was lost did revoke it: the token no longer exists.
        item.state = 'revoked';
        log.info('token revoked (an earlier attempt went through)', { item: item.label, attempts: attempt + 1 });
        return;
      }
      const wait = Math.min(1_000, 100 * 2 ** attempt);
      if (!(err instanceof VaultUnavailableError) || Date.now() + wait >= deadline) {
        log.warn(`could not revoke the ${item.kind}`, {
          item: item.label,
          problem: item.problem,
          attempts: attempt + 1,
        });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
