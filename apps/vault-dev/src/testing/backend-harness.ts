/**
 * Builds logical requests for backend unit tests, so a backend can be driven
 * without the HTTP layer or the core.
 */
import { randomUUID } from 'node:crypto';
import type { BackendConfig, SystemView } from '../sdk/framework.js';
import type { Operation, Request, RequestData } from '../sdk/logical.js';

export const DEFAULT_TTL_SECONDS = 768 * 3600;

export function testSystemView(overrides: Partial<{ defaultLeaseTTL: number; maxLeaseTTL: number }> = {}): SystemView {
  return {
    defaultLeaseTTL: () => overrides.defaultLeaseTTL ?? DEFAULT_TTL_SECONDS,
    maxLeaseTTL: () => overrides.maxLeaseTTL ?? DEFAULT_TTL_SECONDS,
  };
}

export function testBackendConfig(mountPoint: string, options: Record<string, string> = {}): BackendConfig {
  return { mountPoint, options, system: testSystemView() };
}

export function makeRequest(
  mountPoint: string,
  operation: Operation,
  relativePath: string,
  data: RequestData | null = null,
  extra: Partial<Request> = {},
): Request {
  return {
    id: randomUUID(),
    operation,
    path: mountPoint + relativePath,
    data,
    clientToken: '',
    headers: {},
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    requestURI: `/v1/${mountPoint}${relativePath}`,
    mountPoint,
    mountType: '',
    mountAccessor: '',
    mountClass: mountPoint.startsWith('auth/') ? 'auth' : 'secret',
    relativePath,
    ...extra,
  };
}
