/** What every AWS path shares. */
import type { SystemView } from '../../../sdk/framework.js';
import type { ExpirationManager } from '../../../vault/expiration.js';
import type { AwsStore } from './store.js';

export interface AwsContext {
  store: AwsStore;
  system: SystemView;
  expiration: ExpirationManager;
  mountPoint: string;
  now: () => number;
}

/** Vault's AWS role and creds names also allow `@`. */
export const AWS_NAME = '(?<name>\\w(([\\w-.@]+)?\\w)?)';

export const DEFAULT_USERNAME_TEMPLATE =
  '{{ if (eq .Type "STS") }}{{ printf "vault-%s-%s" (unix_time) (random 20) | truncate 32 }}{{ else }}{{ printf "vault-%s-%s-%s" (printf "%s-%s" (.DisplayName) (.PolicyName) | truncate 42) (unix_time) (random 20) | truncate 64 }}{{ end }}';
