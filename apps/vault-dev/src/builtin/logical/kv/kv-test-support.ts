/**
 * Drives a KV backend the way the core does (existence check first, so a
 * write to a new key arrives as `create`), with a clock the tests control.
 * Used by the *.test.ts files next to it.
 */
import type { Backend } from '../../../sdk/framework.js';
import type { Operation, Request, RequestData, Response } from '../../../sdk/logical.js';
import { makeRequest, testBackendConfig } from '../../../testing/backend-harness.js';
import { createKvV2Backend } from './backend.js';
import { createKvV1Backend } from './kv-v1.js';
import type { Clock } from './store.js';

/** 2018-03-22T02:36:43.986212308Z, the timestamp of Vault's docs. */
export const DOCS_EPOCH_NS = BigInt(Date.parse('2018-03-22T02:36:43.986Z')) * 1_000_000n + 212_308n;

/** A clock that starts at a fixed instant and moves 1µs on every reading (time never stands still). */
export class FakeClock implements Clock {
  constructor(public ns: bigint = DOCS_EPOCH_NS) {}
  now(): bigint {
    const t = this.ns;
    this.ns += 1_000n;
    return t;
  }
  advanceSeconds(seconds: number): void {
    this.ns += BigInt(seconds) * 1_000_000_000n;
  }
}

export interface Harness {
  backend: Backend;
  clock: FakeClock;
  mount: string;
  /** Sends a request; `update` becomes `create` when the path's existence check says "missing". */
  send(operation: Operation, path: string, data?: RequestData | null): Promise<Response | null>;
  /** The operation the core would authorise for a POST/PUT to `path`. */
  writeOperation(path: string): Promise<'create' | 'update'>;
  request(operation: Operation, path: string, data?: RequestData | null): Request;
}

function harness(backend: Backend, clock: FakeClock, mount: string): Harness {
  const request = (operation: Operation, path: string, data: RequestData | null = null): Request =>
    makeRequest(mount, operation, path, data);
  const writeOperation = async (path: string): Promise<'create' | 'update'> => {
    const existence = await backend.handleExistenceCheck(request('update', path));
    return existence.checkFound && !existence.exists ? 'create' : 'update';
  };
  return {
    backend,
    clock,
    mount,
    request,
    writeOperation,
    async send(operation, path, data = null) {
      const op = operation === 'update' ? await writeOperation(path) : operation;
      return backend.handleRequest(request(op, path, data));
    },
  };
}

export function kvV2(mount = 'secret/'): Harness {
  const clock = new FakeClock();
  return harness(createKvV2Backend(testBackendConfig(mount, { version: '2' }), { clock }), clock, mount);
}

export function kvV1(mount = 'kv/'): Harness {
  return harness(createKvV1Backend(testBackendConfig(mount, { version: '1' })), new FakeClock(), mount);
}

/** The `data` of a successful response (fails loudly on errors and raw answers). */
export function dataOf(resp: Response | null): Record<string, unknown> {
  if (!resp) throw new Error('expected a response, got null');
  if (resp.error) throw new Error(`expected success, got error: ${resp.error.message}`);
  if (resp.raw) throw new Error(`expected an envelope, got raw ${resp.raw.status}`);
  return resp.data ?? {};
}

/** The raw body of a RespondWithStatusCode answer, as an object. */
export function rawBody(resp: Response | null): Record<string, unknown> {
  if (!resp?.raw) throw new Error('expected a raw response');
  return resp.raw.body as Record<string, unknown>;
}
