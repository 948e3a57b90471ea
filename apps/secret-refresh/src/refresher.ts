/**
 * Keeps every item alive with its own timer — no polling loop: each item sleeps until its next
 * renewal is due (schedule.ts), renews, and sleeps again. Vault being unreachable or answering
 * 5xx is retried with jittered backoff until the item's give-up point; a refusal (revoked,
 * expired, permission denied, not renewable) or reaching that point makes the item lost, which
 * the caller turns into one log line and a non-zero exit.
 */
import { CredentialLostError, VaultRefusedError, VaultUnavailableError } from './errors.js';
import { lookup, renew, type Item } from './items.js';
import type { Logger } from './log.js';
import { backoffDelay, giveUpAt, judgeGrant, renewDelay } from './schedule.js';
import type { VaultClient } from './vault.js';

export interface RefresherOptions {
  vault: VaultClient;
  items: Item[];
  log: Logger;
  renewIntervalMs: number;
  clientTimeoutMs: number;
  /** Called once, with the first item that cannot be kept. */
  onLost: (err: CredentialLostError) => void;
  /** How long start-up lookups may retry for items whose expiry is not known yet (renewer interface). */
  startupTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
}

export class Refresher {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: RefresherOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  /** Looks every item up (retrying while Vault is unavailable), then schedules each one's renewal. */
  async start(): Promise<void> {
    const startedAt = this.now();
    await Promise.all(
      this.o.items.map(async (item) => {
        const deadline =
          item.expiresAt !== null
            ? giveUpAt(item as Item & { expiresAt: number })
            : startedAt + (this.o.startupTimeoutMs ?? 60_000);
        const ok = await this.withRetries(item, deadline, 'look up', (timeoutMs) =>
          lookup(this.o.vault, item, timeoutMs, this.now),
        );
        if (!ok || this.stopped) return;
        item.state = 'ok';
        item.problem = undefined;
        this.o.log.info(`${item.kind} looked up`, {
          item: item.label,
          path: item.path,
          ttl: item.expiresAt === null ? null : Math.round((item.expiresAt - this.now()) / 1000),
          renewable: item.renewable,
          expiresAt: iso(item.expiresAt),
        });
        this.scheduleNext(item);
      }),
    );
  }

  /** Stops every timer; attempts under way finish but schedule nothing more. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private scheduleNext(item: Item): void {
    if (this.stopped || item.expiresAt === null) return;
    const expiring = item as Item & { expiresAt: number };
    if (!item.renewable) {
      // Cannot be renewed: say so before it ends rather than let it expire silently.
      this.after(Math.max(0, giveUpAt(expiring) - this.now()), () =>
        this.lose(item, `it is not renewable and expires at ${iso(item.expiresAt)}`),
      );
      return;
    }
    const delay = renewDelay(expiring, this.now(), this.o.renewIntervalMs, this.random());
    this.o.log.debug('renewal scheduled', { item: item.label, inMs: Math.round(delay) });
    this.after(delay, () => {
      this.renewNow(item).catch((err: unknown) =>
        this.lose(item, `internal error: ${(err as Error)?.message ?? String(err)}`),
      );
    });
  }

  private async renewNow(item: Item): Promise<void> {
    const asked = item.askSeconds;
    const deadline = giveUpAt(item as Item & { expiresAt: number });
    let result: Awaited<ReturnType<typeof renew>> | undefined;
    const ok = await this.withRetries(item, deadline, 'renew', async (timeoutMs) => {
      result = await renew(this.o.vault, item, timeoutMs);
    });
    if (!ok || !result || this.stopped) return;
    const now = this.now();
    const endsAt = now + result.granted * 1000;
    item.renewals++;
    item.lastRenewal = now;
    item.grantedSeconds = result.granted;
    item.expiresAt = endsAt;
    item.renewable = result.renewable;
    item.state = 'ok';
    item.problem = undefined;
    const verdict = judgeGrant(asked, result.granted, endsAt);
    if (verdict.kind === 'lost') return this.lose(item, verdict.reason);
    const fields = { item: item.label, ttl: result.granted, expiresAt: iso(endsAt) };
    if (verdict.kind === 'capped') {
      this.o.log.warn(`${item.kind} renewed, capped by its max TTL`, { ...fields, asked });
    } else {
      this.o.log.info(`${item.kind} renewed`, fields);
    }
    this.scheduleNext(item);
  }

  /**
   * Runs `attempt` until it succeeds (true); retries VaultUnavailableError with backoff until
   * `deadline`; a refusal or the deadline loses the item (false).
   */
  private async withRetries(
    item: Item,
    deadline: number,
    what: 'look up' | 'renew',
    attempt: (timeoutMs: number) => Promise<void>,
  ): Promise<boolean> {
    let unavailableSince: number | undefined;
    for (let n = 0; !this.stopped; n++) {
      const timeoutMs = Math.max(200, Math.min(this.o.clientTimeoutMs, deadline - this.now()));
      try {
        await attempt(timeoutMs);
        if (unavailableSince !== undefined) {
          this.o.log.info(`Vault answered again; ${what} succeeded`, {
            item: item.label,
            afterMs: this.now() - unavailableSince,
            attempts: n + 1,
          });
        }
        return true;
      } catch (err) {
        if (this.stopped) return false;
        if (err instanceof VaultRefusedError) {
          this.lose(item, `Vault refused to ${what === 'look up' ? 'look it up' : 'renew it'} (${refusal(err)})`);
          return false;
        }
        if (!(err instanceof VaultUnavailableError)) throw err;
        unavailableSince ??= this.now();
        item.state = 'retrying';
        item.problem = err.message;
        const wait = backoffDelay(n, this.now(), deadline, this.random());
        if (this.now() + wait >= deadline) {
          const expires = item.expiresAt === null ? 'its expiry is unknown' : `it expires at ${iso(item.expiresAt)}`;
          this.lose(
            item,
            `Vault has been unavailable since ${iso(unavailableSince)} (last: ${err.message}) and ${expires}`,
          );
          return false;
        }
        this.o.log.warn(`cannot ${what} yet; retrying`, {
          item: item.label,
          problem: err.message,
          retryInMs: Math.round(wait),
        });
        await new Promise<void>((resolve) => this.after(wait, resolve));
      }
    }
    return false;
  }

  private lose(item: Item, reason: string): void {
    if (this.stopped) return;
    item.state = 'lost';
    item.problem = reason;
    this.stop();
    this.o.onLost(new CredentialLostError(`cannot keep ${describe(item)} alive: ${reason}`));
  }

  private after(ms: number, f: () => void): void {
    // setTimeout's ceiling is about 24.8 days; waking early only renews early.
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        f();
      },
      Math.min(ms, 2 ** 31 - 1),
    );
    this.timers.add(t);
  }
}

function describe(item: Item): string {
  if (item.kind === 'token') return item.accessor ? `the token (accessor ${item.accessor})` : 'the token';
  return `lease ${item.leaseId}`;
}

/** Vault's refusal in words a reader acts on (Vault's own text included: it names no secret). */
function refusal(err: VaultRefusedError): string {
  const t = err.vaultText.toLowerCase();
  let meaning = '';
  if (/invalid lease|lease not found|token not found/.test(t)) meaning = 'it was revoked or has expired';
  else if (/lease expired/.test(t)) meaning = 'it has expired';
  else if (/past the max ttl/.test(t)) meaning = 'it reached its max TTL';
  else if (/not renewable/.test(t)) meaning = 'it is not renewable';
  else if (err.status === 403) meaning = 'permission denied: the token was revoked, has expired, or lacks the policy';
  const vault = `${err.status}${err.vaultText ? ` ${err.vaultText}` : ''}`;
  return meaning ? `${meaning}; Vault said ${vault}` : `Vault said ${vault}`;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
