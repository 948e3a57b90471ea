/**
 * The few Kubernetes API calls the controller makes, as JSON over one keep-alive agent. Errors carry the API's
 * Status (`reason`, `code`) so callers can tell a conflict from a missing object.
 */
import type http from 'node:http';
import { agentFor, HttpError, request } from '../http.js';
import type { KubeConnection } from './connection.js';

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

export interface KubeList<T extends KubeObject = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string };
}

export class KubeApiError extends HttpError {
  get reason(): string | undefined {
    return (this.body as { reason?: string } | undefined)?.reason;
  }
}

export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
} as const;

export class KubeClient {
  readonly agent: http.Agent;

  constructor(readonly connection: KubeConnection) {
    this.agent = agentFor(connection.server, { ca: connection.ca, maxSockets: 64 });
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
    discardBody = false,
  ): Promise<T> {
    const res = await request(`${this.connection.server}${path}`, this.agent, {
      method,
      headers: { Authorization: `Bearer ${this.connection.token()}` },
      ...(body !== undefined ? { body } : {}),
      ...(contentType ? { contentType } : {}),
      discardBody,
    });
    if (res.status >= 200 && res.status < 300) return res.body as T;
    const message = (res.body as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
    throw new KubeApiError(res.status, res.body, `${method} ${path.split('?')[0]}: ${message}`);
  }

  list<T extends KubeObject>(path: string): Promise<KubeList<T>> {
    return this.call('GET', path);
  }
  get<T extends KubeObject>(path: string): Promise<T> {
    return this.call('GET', path);
  }
  create<T extends KubeObject>(path: string, body: unknown): Promise<T> {
    return this.call('POST', path, body);
  }
  /** A create whose answer (the object echoed back) is not needed: not parsed, not kept. */
  createQuietly(path: string, body: unknown): Promise<void> {
    return this.call('POST', path, body, undefined, true);
  }
  replace<T extends KubeObject>(path: string, body: unknown): Promise<T> {
    return this.call('PUT', path, body);
  }
  patch<T extends KubeObject>(path: string, body: unknown, type: keyof typeof PATCH_TYPES = 'merge'): Promise<T> {
    return this.call('PATCH', path, body, PATCH_TYPES[type]);
  }
  /** A patch whose answer is not needed (a pod echoed back is several KiB of JSON to parse and drop). */
  patchQuietly(path: string, body: unknown, type: keyof typeof PATCH_TYPES = 'merge'): Promise<void> {
    return this.call('PATCH', path, body, PATCH_TYPES[type], true);
  }
  delete(path: string, body?: unknown): Promise<unknown> {
    return this.call('DELETE', path, body);
  }
}

export const podPath = (namespace: string, name: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
export const deploymentPath = (namespace: string, name: string): string =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`;
