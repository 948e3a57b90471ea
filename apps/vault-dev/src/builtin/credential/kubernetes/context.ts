/**
 * What every Kubernetes auth path shares: the storage, the mount's system
 * view, the clock, and where a pod keeps its service-account CA and token
 * (read when `disable_local_ca_jwt` is false, as the plugin does in a pod).
 */
import { genericNameRegex, type SystemView } from '../../../sdk/framework.js';
import type { KubernetesStore } from './store.js';

export const LOCAL_CA_CERT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';
export const LOCAL_JWT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LocalServiceAccountFiles {
  caCertPath: string;
  jwtPath: string;
}

export interface KubernetesContext {
  store: KubernetesStore;
  system: SystemView;
  /** Epoch milliseconds (Date.now, so fake timers apply). */
  now: () => number;
  local: LocalServiceAccountFiles;
}

/** `role/<name>` as framework.GenericNameRegex("name") matches it. */
export const ROLE_NAME = genericNameRegex('name');
