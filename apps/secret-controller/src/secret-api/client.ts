/**
 * The Secret API calls the controller makes (and its readiness, which needs no token), authenticated with its own projected service-account token
 * (re-read when the kubelet rotates it). Responses are parsed with the contract's schemas.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import {
  ZChangesResponse,
  ZSecretIdResponse,
  buildPath,
  errorCodeFromType,
  listChangesRoute,
  secretIdRoute,
  type TChangesResponse,
  type TSecretIdBody,
  type TSecretIdResponse,
} from '@secret-api/contract';
import { agentFor, request } from '../http.js';
import { TokenFile } from '../token-file.js';

/** The API answered with an error; `permanent` when asking again cannot help (4xx other than 408/429). */
export class SecretApiError extends Error {
  override readonly name = 'SecretApiError';
  readonly permanent: boolean;
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`Secret API answered ${status}${code ? ` (${code})` : ''}: ${detail}`);
    // 401: the token file may be rotated meanwhile; 408/429: try later.
    this.permanent = status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429;
  }
}

export interface SecretApiOptions {
  url: string;
  tokenFile: string;
  caFile?: string | undefined;
  cluster: string;
}

export class SecretApiClient {
  private readonly agent: http.Agent;
  private readonly token: TokenFile;

  constructor(private readonly options: SecretApiOptions) {
    this.agent = agentFor(options.url, {
      ca: options.caFile ? readFileSync(options.caFile, 'utf8') : undefined,
      maxSockets: 64,
    });
    this.token = new TokenFile(options.tokenFile);
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await request(`${this.options.url}${path}`, this.agent, {
      method,
      headers: { Authorization: `Bearer ${this.token.read()}` },
      ...(body !== undefined ? { body } : {}),
    });
    if (res.status >= 200 && res.status < 300) return res.body;
    const problem = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as {
      type?: string;
      detail?: string;
      title?: string;
    };
    // problem+json details name apps and clusters, never token material.
    const code = typeof problem.type === 'string' ? errorCodeFromType(problem.type) : undefined;
    throw new SecretApiError(res.status, code, (problem.detail ?? problem.title ?? '').slice(0, 300));
  }

  async issueSecretId(app: string, body: TSecretIdBody): Promise<TSecretIdResponse> {
    const path = buildPath(secretIdRoute.path, { app, cluster: this.options.cluster });
    return ZSecretIdResponse.parse(await this.call('POST', path, body));
  }

  /**
   * Whether a new pod could get its SecretID now: the Secret API answers and reports Vault ready (`/readyz`). False
   * when either is down, or the answer does not come within 5 s.
   */
  async canServeNewPods(): Promise<boolean> {
    try {
      const res = await request(`${this.options.url}/readyz`, this.agent, { method: 'GET', timeoutMs: 5_000 });
      const checks = (res.body as { checks?: { vault?: unknown } } | null)?.checks;
      return res.status === 200 && checks?.vault === 'ok';
    } catch {
      return false;
    }
  }

  async listChanges(after: string | undefined): Promise<TChangesResponse> {
    const path = buildPath(listChangesRoute.path, { cluster: this.options.cluster });
    const query = after === undefined ? '' : `?after=${after}`;
    const body = (await this.call('GET', `${path}${query}`)) as Record<string, unknown> | null;
    // An API older than this controller names the position `cursor` only.
    const compatible = body && body['nextCursor'] === undefined ? { ...body, nextCursor: body['cursor'] } : body;
    return ZChangesResponse.parse(compatible);
  }
}
