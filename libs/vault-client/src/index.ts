/** @secret-api/vault-client: the only place product code talks to Vault (through node-vault). */
export { VaultClient, type SendOptions, type VaultMethod, type VaultReply } from './client.js';
export { KvV2, isDeletedAt } from './kv-v2.js';
export {
  VaultCasMismatchError,
  VaultClientStateError,
  VaultError,
  VaultNotFoundError,
  VaultPermissionError,
  VaultRequestError,
  VaultUnavailableError,
  type UnavailableReason,
  type VaultErrorDetails,
} from './errors.js';
export type {
  KvMetadata,
  KvSecret,
  KvVersionMetadata,
  RetryConfig,
  TokenLookup,
  TokenStatus,
  VaultAuth,
  VaultAuthConfig,
  VaultClientOptions,
  VaultLogger,
  VaultRequestEvent,
  VaultWrapInfo,
  VaultWriteResult,
} from './types.js';
