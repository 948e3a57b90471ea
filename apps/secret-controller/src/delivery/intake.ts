/**
 * Hands the wrapped SecretID to the pod's init container: `POST http://<podIP>:<port>/secret-id` with the Secret
 * API's answer unchanged (apps/secret-init README, "Login: the intake port"). The address is the pod's
 * `status.podIP`, which the kubelet reports: never an annotation, which anyone who can edit the pod could point
 * elsewhere.
 */
import http from 'node:http';
import type { TSecretIdResponse } from '@secret-api/contract';
import { request, TransportError } from '../http.js';

export type IntakeOutcome =
  | { kind: 'delivered' }
  /** 409: the wrapping token had already been used — someone may have intercepted it. */
  | { kind: 'intercepted' }
  /** Not reached (refused, unreachable): the token never left us and may be offered again. */
  | { kind: 'unreachable'; reason: string }
  /** Another answer; `detail` is the intake's own word for it (secret-init answers problem+json). */
  | { kind: 'refused'; status: number; detail: string | undefined };

// One connection per delivery: each pod is talked to once.
const agent = new http.Agent({ keepAlive: false, maxSockets: 256 });

const NOT_REACHED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export async function deliverToIntake(
  podIP: string,
  port: number,
  secretId: TSecretIdResponse,
  timeoutMs = 15_000,
): Promise<IntakeOutcome> {
  const host = podIP.includes(':') ? `[${podIP}]` : podIP;
  try {
    const res = await request(`http://${host}:${port}/secret-id`, agent, { method: 'POST', body: secretId, timeoutMs });
    if (res.status === 204 || res.status === 200) return { kind: 'delivered' };
    if (res.status === 409) return { kind: 'intercepted' };
    const detail = (res.body as { detail?: unknown } | null)?.detail;
    return {
      kind: 'refused',
      status: res.status,
      detail: typeof detail === 'string' ? detail.slice(0, 300) : undefined,
    };
  } catch (err) {
    if (err instanceof TransportError && err.code && NOT_REACHED.has(err.code)) {
      return { kind: 'unreachable', reason: err.code };
    }
    throw err;
  }
}
