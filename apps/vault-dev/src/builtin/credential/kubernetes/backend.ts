/**
 * The Kubernetes auth method, after hashicorp/vault-plugin-auth-kubernetes
 * (backend.go): pods log in with their service-account JWT, which the method
 * checks against a role's bindings and then has the cluster confirm through
 * TokenReview.
 *
 * Paths (relative to the mount): `config` (path-config.ts), `role/` and
 * `role/:name` (path-role.ts), `login` (path-login.ts, unauthenticated).
 */
import {
  FrameworkBackend,
  type Backend,
  type BackendConfig,
  type BackendFactory,
  type ExistenceResult,
  type SpecialPaths,
} from '../../../sdk/framework.js';
import type { Auth, Request, Response } from '../../../sdk/logical.js';
import {
  LOCAL_CA_CERT_PATH,
  LOCAL_JWT_PATH,
  type KubernetesContext,
  type LocalServiceAccountFiles,
} from './context.js';
import { configPath } from './path-config.js';
import { loginPath, renewLoginAuth } from './path-login.js';
import { rolePaths } from './path-role.js';
import { KubernetesStore } from './store.js';

export const KUBERNETES_BACKEND_TYPE = 'kubernetes';

export interface KubernetesBackendOptions {
  /** Epoch milliseconds; defaults to Date.now (so fake timers apply). */
  now?: () => number;
  /** Where a pod's service-account CA and token live; Vault's paths by default. */
  local?: Partial<LocalServiceAccountFiles>;
}

export class KubernetesBackend implements Backend {
  readonly type = KUBERNETES_BACKEND_TYPE;
  readonly specialPaths: SpecialPaths = { unauthenticated: ['login'] };
  private readonly framework: FrameworkBackend;
  private readonly ctx: KubernetesContext;
  readonly persistence: KubernetesStore;

  constructor(config: BackendConfig, options: KubernetesBackendOptions = {}) {
    this.ctx = {
      store: new KubernetesStore(),
      system: config.system,
      now: options.now ?? (() => Date.now()),
      local: { caCertPath: LOCAL_CA_CERT_PATH, jwtPath: LOCAL_JWT_PATH, ...options.local },
    };
    this.persistence = this.ctx.store;
    this.framework = new FrameworkBackend(
      KUBERNETES_BACKEND_TYPE,
      [configPath(this.ctx), ...rolePaths(this.ctx), loginPath(this.ctx)],
      this.specialPaths,
    );
  }

  handleRequest(req: Request): Promise<Response | null> {
    return this.framework.handleRequest(req);
  }

  handleExistenceCheck(req: Request): Promise<ExistenceResult> {
    return this.framework.handleExistenceCheck(req);
  }

  async renewAuth(_req: Request, auth: Auth): Promise<Auth> {
    return renewLoginAuth(this.ctx, auth);
  }
}

export const kubernetesBackendFactory: BackendFactory = (config) => new KubernetesBackend(config);
