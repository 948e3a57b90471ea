/**
 * The AppRole auth method, after Vault's builtin/credential/approle/backend.go.
 *
 * Paths (relative to the mount): `role/` and `role/:name[/…]` (path-role.ts,
 * path-secret-id.ts), `login` (path-login.ts, unauthenticated) and
 * `tidy/secret-id` (path-tidy.ts). `periodic()` is the SecretID tidy Vault's
 * rollback manager runs about once a minute.
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
import { nowNanos, type NanoClock } from '../../../sdk/time.js';
import type { AppRoleContext } from './context.js';
import { loginAliasLookahead, loginPath, renewLoginAuth } from './path-login.js';
import { rolePaths } from './path-role.js';
import { secretIdPaths } from './path-secret-id.js';
import { tidyPath, tidySecretIds } from './path-tidy.js';
import { AppRoleStore } from './role.js';

export const APPROLE_BACKEND_TYPE = 'approle';

export interface AppRoleBackendOptions {
  /** Epoch nanoseconds; defaults to the wall clock (Date.now, so fake timers apply). */
  now?: NanoClock;
}

export class AppRoleBackend implements Backend {
  readonly type = APPROLE_BACKEND_TYPE;
  /** Vault lists only `login` as unauthenticated. */
  readonly specialPaths: SpecialPaths = { unauthenticated: ['login'] };
  private readonly framework: FrameworkBackend;
  private readonly ctx: AppRoleContext;
  readonly persistence: AppRoleStore;

  constructor(config: BackendConfig, options: AppRoleBackendOptions = {}) {
    this.ctx = { store: new AppRoleStore(), system: config.system, now: options.now ?? nowNanos };
    this.persistence = this.ctx.store;
    this.framework = new FrameworkBackend(
      APPROLE_BACKEND_TYPE,
      [...rolePaths(this.ctx), ...secretIdPaths(this.ctx), loginPath(this.ctx), tidyPath(this.ctx)],
      this.specialPaths,
    );
  }

  handleRequest(req: Request): Promise<Response | null> {
    return this.framework.handleRequest(req);
  }

  handleExistenceCheck(req: Request): Promise<ExistenceResult> {
    return this.framework.handleExistenceCheck(req);
  }

  aliasLookahead(req: Request): string | undefined {
    return loginAliasLookahead(req);
  }

  async renewAuth(_req: Request, auth: Auth): Promise<Auth> {
    return renewLoginAuth(this.ctx, auth);
  }

  async periodic(): Promise<void> {
    tidySecretIds(this.ctx);
  }
}

export const approleBackendFactory: BackendFactory = (config) => new AppRoleBackend(config);
