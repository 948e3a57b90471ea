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
    log.warn('the token is not known to be revoked: if no try of it went through, it is left to expire', fields);
  }
}

/** First pause before another try of a revocation that has not answered; doubled each time, at most HEDGE_MAX_MS. */
const HEDGE_FIRST_MS = 1_000;
const HEDGE_MAX_MS = 4_000;

/**
 * Revokes one item within the shutdown budget: a pod is often deleted during the very network blip, Vault restart or
 * overload that would otherwise leave its credentials alive. Tries run side by side: each may take until the
 * deadline (a Vault that answers in 6 s of a 10 s budget still revokes), and while none has succeeded another starts
 * after a growing pause — at once after a refusal to connect or a 5xx — so a try stuck on a dead connection does not
 * hold up one that would get through. Revoking twice is harmless: the token is gone after the first, and a later
 * try's 403 says so.
 */
function revokeOne(vault: VaultClient, item: Item, log: Logger, deadline: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let settled = false;
    let started = 0;
    let running = 0;
    let next: NodeJS.Timeout | undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(next);
      clearTimeout(giveUp);
      outcome();
      resolve();
    };
    const failed = () =>
      settle(() =>
        running > 0
          ? // Sent, not answered: Vault may still carry them out (a stalled Vault does once it resumes).
            log.warn(`no answer yet to revoking the ${item.kind}; Vault may still do it, else it expires`, {
              item: item.label,
              problem: item.problem,
              attempts: started,
            })
          : log.warn(`could not revoke the ${item.kind}`, {
              item: item.label,
              problem: item.problem,
              attempts: started,
            }),
      );
    const schedule = (ms: number) => {
      clearTimeout(next);
      if (Date.now() + ms >= deadline) {
        // No time for another try: the ones still running may yet answer; without any, this is the end.
        if (running === 0) failed();
        return;
      }
      next = setTimeout(tryOnce, ms);
    };
    const tryOnce = () => {
      if (settled) return;
      const attempt = started++;
      running++;
      schedule(Math.min(HEDGE_MAX_MS, HEDGE_FIRST_MS * 2 ** attempt));
      revoke(vault, item, Math.max(1, deadline - Date.now())).then(
        () =>
          settle(() => {
            item.state = 'revoked';
            log.info(`${item.kind} revoked`, { item: item.label, ...(started > 1 && { attempts: started }) });
          }),
        (err: unknown) => {
          running--;
          if (settled) return;
          item.problem = (err as Error).message;
          if (item.kind === 'lease' && err instanceof VaultRefusedError && err.status === 403) {
            settle(() =>
              log.info('not allowed to revoke the lease directly; revoking the token ends it if the token created it', {
                item: item.label,
              }),
            );
          } else if (item.kind === 'token' && started > 1 && err instanceof VaultRefusedError && err.status === 403) {
            // Another try whose answer is late, or was lost, did revoke it: the token no longer exists.
            settle(() => {
              item.state = 'revoked';
              log.info('token revoked (an earlier attempt went through)', { item: item.label, attempts: started });
            });
          } else if (!(err instanceof VaultUnavailableError)) {
            failed();
          } else {
            // Unreachable or 5xx: try again soon rather than at the next hedge.
            schedule(Math.min(1_000, 100 * 2 ** attempt));
          }
        },
      );
    };
    const giveUp = setTimeout(failed, Math.max(0, deadline - Date.now()));
    tryOnce();
  });
}
