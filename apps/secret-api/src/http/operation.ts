/**
 * One operation = one route of the contract + the permission it needs + a handler. The pipeline
 * (pipeline.ts) runs every operation the same way, in the order product.md §4 prescribes:
 * authenticate (401), validate (400), load the named app/cluster (404), authorize (403), handle.
 */
import type { RouteContract } from '@secret-api/contract';
import type { App, Cluster } from '@secret-api/prisma';
import type { z } from 'zod';
import type { Identity } from '../auth/identity.js';
import type { Permission } from '../authz/permissions.js';
import type { Role } from '../authz/roles.js';
import type { ApiContext } from '../context.js';
import type { Logger } from '../observability/logger.js';
import type { Preconditions } from '../services/entity-tag.js';

type Parsed<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

export interface OperationInput<R extends RouteContract> {
  params: Parsed<R['params']>;
  query: Parsed<R['query']>;
  body: Parsed<R['body']>;
  /** The caller; for public routes a placeholder is never passed: use only on `auth: true` routes. */
  identity: Identity;
  /** The caller's roles on the target. */
  roles: ReadonlySet<Role>;
  /** The app and cluster named by the path, loaded (their absence is already a 404). */
  app: App | undefined;
  cluster: Cluster | undefined;
  requestId: string;
  /** The request's If-Match and If-None-Match, for the changes whose contract takes `preconditions`. */
  preconditions: Preconditions;
  log: Logger;
}

type StatusOf<R extends RouteContract> = Extract<keyof R['responses'], number>;
type BodyOf<R extends RouteContract, S extends StatusOf<R>> = R['responses'][S] extends z.ZodType
  ? z.input<R['responses'][S]>
  : null;

export type OperationResult<R extends RouteContract> = {
  [S in StatusOf<R>]: {
    status: S;
    body: BodyOf<R, S>;
    headers?: Record<string, string>;
    /** Facts for the operation's audit event that only the handler knows, e.g. a grant's before and after. */
    auditDetails?: Record<string, unknown>;
    /**
     * For a route that may change app, cluster or AppRole rows: false when this request changed none, so the
     * caches of every replica are kept (see mayChangeTargets in pipeline.ts). Default: it may have.
     */
    targetsChanged?: boolean;
  };
}[StatusOf<R>];

/** What the audit trail records of an operation (after validation, so from safe, parsed input). */
export interface AuditInfo {
  /** Only where it differs from the operation's own action (a reveal is a `secret.reveal`, not a `secret.read`). */
  action?: string;
  /** e.g. `apps/myapp/secrets/DB_PASSWORD`. */
  target: string;
  app?: string | undefined;
  /** false: only denials are recorded (e.g. reading the trail itself). Default true. */
  recordSuccess?: boolean;
  /** Successes may be written in batches shortly after the response (high-volume reads). */
  batched?: boolean;
  /**
   * The answer discloses a secret (a value, SecretID material): withheld — 503, nothing disclosed — when its event
   * cannot be recorded, so no disclosure is missing from the trail.
   */
  discloses?: boolean;
}

export interface Operation<R extends RouteContract = RouteContract> {
  readonly route: R;
  /** `public` only for the unauthenticated operational routes. */
  readonly permission: Permission | 'public';
  /**
   * The audit action, `<resource>.<verb>` (`secret.set`, `app.read`): what a denial of this operation is recorded
   * as, and the action its own audit events carry.
   */
  readonly action: string;
  /** Audited operations: every mutation, reveal, RoleID read and SecretID issue, and any denial of them. */
  readonly audit?: (input: Pick<OperationInput<R>, 'params' | 'query' | 'body'>) => AuditInfo | undefined;
  handle(input: OperationInput<R>, ctx: ApiContext): Promise<OperationResult<R>>;
}

/** Declares an operation, checking the handler's results against the route's response schemas. */
export function operation<R extends RouteContract>(op: Operation<R>): Operation {
  return op as unknown as Operation;
}
