/**
 * What the core hands the audit broker for each audited request: Vault logs a
 * `request` line before the backend runs and a `response` line after.
 */
import type { Request, Response } from '../sdk/logical.js';
import type { MountEntry } from '../vault/mounts.js';
import type { TokenEntry } from '../vault/token-store.js';

export interface AuditEvent {
  request: Request;
  mount?: MountEntry;
  /** The caller's token, once checked. */
  token?: TokenEntry;
  /** Remaining uses of the caller's token before this request (for `remaining_uses`). */
  tokenRemainingUses?: number;
  policyResults?: { allowed: boolean; grantingPolicies: string[] };
  /** The backend's logical response (its `data` is what gets HMAC'd), for response lines. */
  response?: Response | null;
  /** The JSON envelope the client receives (auth, wrap_info, warnings...), for response lines. */
  envelope?: Record<string, unknown> | null;
  /** Plain-text outer error, as Vault's top-level `error` field. */
  outerError?: string;
}

export interface AuditSink {
  /** True when at least one device is enabled (the core skips building events otherwise). */
  enabled(): boolean;
  logRequest(event: AuditEvent): void;
  logResponse(event: AuditEvent): void;
}
