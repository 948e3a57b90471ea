/**
 * Test helpers for the AppRole backend: a backend on a controllable clock and
 * `send()`, which drives it through the backend harness and renders the
 * outcome the way the core does on the wire (existence check deciding
 * create/update, 204 for a nil write, 404 for a nil read or an empty list,
 * multierror text for thrown errors).
 */
import { multierror, VaultError } from '../../../sdk/errors.js';
import type { Operation, Request, RequestData, Response } from '../../../sdk/logical.js';
import type { Nanos } from '../../../sdk/time.js';
import { makeRequest, testSystemView } from '../../../testing/backend-harness.js';
import { AppRoleBackend } from './backend.js';

export const MOUNT = 'auth/approle/';

export interface TestBackend {
  backend: AppRoleBackend;
  /** Moves the backend's clock forward. */
  advance(seconds: number): void;
  now(): Nanos;
}

export function newTestBackend(opts: { maxLeaseTTL?: number } = {}): TestBackend {
  let now: Nanos = 1_700_000_000_123_456_789n;
  const system = testSystemView(opts.maxLeaseTTL === undefined ? {} : { maxLeaseTTL: opts.maxLeaseTTL });
  const backend = new AppRoleBackend({ mountPoint: MOUNT, options: {}, system }, { now: () => now });
  return {
    backend,
    advance: (seconds) => {
      now += BigInt(Math.round(seconds * 1e9));
    },
    now: () => now,
  };
}

export interface Wire {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: string[];
  warnings?: string[];
  resp: Response | null;
  body?: unknown;
}

export async function send(
  backend: AppRoleBackend,
  operation: Operation,
  path: string,
  data: RequestData | null = null,
  extra: Partial<Request> = {},
): Promise<Wire> {
  const req = makeRequest(MOUNT, operation, path, data, extra);
  if (operation === 'update' || operation === 'create') {
    const existence = await backend.handleExistenceCheck(req);
    if (existence.checkFound) req.operation = existence.exists ? 'update' : 'create';
  }
  let resp: Response | null;
  try {
    resp = await backend.handleRequest(req);
  } catch (err) {
    if (err instanceof VaultError) return { status: err.status, errors: [multierror([err.message])], resp: null };
    throw err;
  }
  if (resp === null) {
    return operation === 'read' || operation === 'list' ? { status: 404, errors: [], resp } : { status: 204, resp };
  }
  if (resp.error) return { status: resp.error.status, errors: [resp.error.message], resp };
  if (resp.raw) return { status: resp.raw.status, body: resp.raw.body, resp };
  if (operation === 'list' && !(resp.warnings?.length ?? 0)) {
    const keys = resp.data?.keys;
    if (!Array.isArray(keys) || keys.length === 0) return { status: 404, errors: [], resp };
  }
  return {
    status: resp.status ?? 200,
    data: resp.data ?? null,
    ...(resp.warnings ? { warnings: resp.warnings } : {}),
    resp,
  };
}

/** Creates a role (204 expected) and returns its role_id. */
export async function createRole(backend: AppRoleBackend, name: string, data: RequestData = {}): Promise<string> {
  const created = await send(backend, 'update', `role/${name}`, data);
  if (created.status !== 204 && created.status !== 200) {
    throw new Error(`role create failed: ${created.status} ${JSON.stringify(created.errors)}`);
  }
  const read = await send(backend, 'read', `role/${name}/role-id`);
  return read.data?.role_id as string;
}

/** Generates a SecretID and returns the response data. */
export async function generateSecretId(
  backend: AppRoleBackend,
  role: string,
  data: RequestData = {},
): Promise<{ secret_id: string; secret_id_accessor: string; secret_id_ttl: number; secret_id_num_uses: number }> {
  const w = await send(backend, 'update', `role/${role}/secret-id`, data);
  if (w.status !== 200) throw new Error(`secret-id failed: ${w.status} ${JSON.stringify(w.errors)}`);
  return w.data as never;
}

export function login(backend: AppRoleBackend, data: RequestData, remoteAddress = '127.0.0.1'): Promise<Wire> {
  return send(backend, 'update', 'login', data, { remoteAddress });
}
