/** Shapes of the Vault responses this client returns (only the fields we rely on are typed). */

export interface VaultLogger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type VaultAuthConfig =
  | { token: string }
  | {
      roleId: string;
      secretId: string;
      /** AppRole mount, default `approle`. */
      mount?: string;
    };

export interface RetryConfig {
  /** Total attempts including the first one (1 = no retry). Default 3. */
  attempts: number;
  /** First backoff; doubles each retry, with full jitter. Default 100 ms. */
  baseDelayMs: number;
  /** Cap on a single backoff. Default 2000 ms. */
  maxDelayMs?: number;
}

export interface VaultClientOptions {
  /** e.g. `http://127.0.0.1:8200` (no `/v1`). */
  address: string;
  auth: VaultAuthConfig;
  /** Per-attempt timeout (connect + response). Default 5000 ms. */
  timeoutMs?: number;
  /** Hard cap for one call including all retries and backoffs. Default 2 × timeoutMs + 1000 ms. */
  totalTimeoutMs?: number;
  retries?: Partial<RetryConfig>;
  logger?: VaultLogger;
  /** Sent as X-Vault-Namespace when set (Enterprise / OpenBao). */
  namespace?: string;
  /** Told of every logical call once it ends (after retries), e.g. to record metrics. Must not throw. */
  onRequest?: (event: VaultRequestEvent) => void;
}

export interface VaultRequestEvent {
  method: string;
  /** The request path (no query string). Contains names, never secrets. */
  path: string;
  /** `ok` (2xx), `not_found` (404), `refused` (other 4xx), `unavailable` (down, sealed, timed out, 5xx). */
  outcome: 'ok' | 'not_found' | 'refused' | 'unavailable';
  seconds: number;
}

export interface VaultAuth {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies?: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id?: string;
  token_type?: string;
  orphan?: boolean;
  num_uses?: number;
}

export interface VaultWrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

export interface VaultWriteResult<T = Record<string, unknown>> {
  /** `null` for a 204 or a response without data. */
  data: T | null;
  auth: VaultAuth | null;
  wrapInfo: VaultWrapInfo | null;
  warnings: string[];
}

export interface TokenLookup {
  accessor: string;
  creation_time: number;
  creation_ttl: number;
  display_name: string;
  entity_id: string;
  expire_time: string | null;
  explicit_max_ttl: number;
  id: string;
  meta: Record<string, string> | null;
  num_uses: number;
  orphan: boolean;
  path: string;
  policies: string[];
  renewable?: boolean;
  ttl: number;
  type: string;
  period?: number;
  role?: string;
}

export interface KvVersionMetadata {
  created_time: string;
  custom_metadata: Record<string, string> | null;
  deletion_time: string;
  destroyed: boolean;
  version: number;
}

/** A KV v2 read: `deleted`/`destroyed` versions come back with `data: null` and their metadata. */
export interface KvSecret<T = Record<string, unknown>> {
  data: T | null;
  metadata: KvVersionMetadata;
  deleted: boolean;
  destroyed: boolean;
}

export interface KvMetadata {
  cas_required: boolean;
  created_time: string;
  current_version: number;
  custom_metadata: Record<string, string> | null;
  delete_version_after: string;
  max_versions: number;
  oldest_version: number;
  updated_time: string;
  versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>;
}

/** What the token lifecycle is doing, for health endpoints and tests. */
export interface TokenStatus {
  mode: 'token' | 'approle';
  hasToken: boolean;
  renewable: boolean;
  /** Epoch ms when the current token expires; null for non-expiring tokens or before start. */
  expiresAt: number | null;
  renewals: number;
  logins: number;
  lastError: string | null;
}
