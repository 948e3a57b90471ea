/**
 * On SIGTERM/SIGINT: revoke every lease, then the token (revoking the token also ends the
 * leases it created — which is why a lease Vault will not let us revoke directly, as with the
 * default policy, is not an error), all within the shutdown timeout. REVOKE_ON_EXIT=false leaves
 * everything to expire, as kube-vault-auth-renewer does.
 */
import { VaultRefusedError } from './errors.js';
import { revoke, type Item } from './items.js';
import type { Logger } from './log.js';
import type { VaultClient } from './vault.js';

export async function revokeAll(vault: VaultClient, items: Item[], log: Logger, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const leases = items.filter((i) => i.kind === 'lease' && i.state !== 'lost');
  const token = items.find((i) => i.kind === 'token')!;
  const work = (async () => {
    await Promise.all(leases.map((l) => revokeOne(vault, l, log, left())));
    await revokeOne(vault, token, log, left());
  })();
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

async function revokeOne(vault: VaultClient, item: Item, log: Logger, timeoutMs: number): Promise<void> {
  try {
    await revoke(vault, item, timeoutMs);
    item.state = 'revoked';
    log.info(`${item.kind} revoked`, { item: item.label });
  } catch (err) {
    item.problem = (err as Error).message;
    if (item.kind === 'lease' && err instanceof VaultRefusedError && err.status === 403) {
      log.info('not allowed to revoke the lease directly; revoking the token ends it if the token created it', {
        item: item.label,
      });
      return;
    }
    log.warn(`could not revoke the ${item.kind}`, { item: item.label, problem: item.problem });
  }
}
