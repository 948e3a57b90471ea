/**
 * The only way the CLI talks to the Secret API: global fetch, paths from the contract's route table,
 * every success body parsed with the route's response schema and every error body re-parsed as a problem.
 * Loaded lazily (it pulls in zod and the contract), so `--help` and `--version` never pay for it.
 */
import { errorCodeFromType, parseProblem } from './contract/problem.js';
import type { RouteContract } from '@secret-api/contract';
import type { z } from 'zod';
import { ApiError, NetworkError, UnexpectedResponseError } from '../errors.js';
import { checkedPath } from './params.js';

/** What a route answers on success: the output of its response schemas (undefined for a 204). */
export type SuccessOf<R extends RouteContract> = {
  [S in keyof R['responses']]: R['responses'][S] extends z.ZodType ? z.output<R['responses'][S]> : undefined;
}[keyof R['responses']];

/** A request to a route; `body` is typed from the contract's input type of the route's body schema. */
export interface RequestOf<R extends RouteContract> {
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  body?: R['body'] extends z.ZodType ? z.input<R['body']> : never;
}

export interface ApiClientOptions {
  apiUrl: string;
  /** Undefined only for the unauthenticated operational routes. */
  token: string | undefined;
  /** Per request. */
  timeoutMs?: number;
  userAgent?: string;
  /** Where the token came from, to say how to replace it when the API refuses it. */
  tokenSource?: 'env' | 'config' | 'login';
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get apiUrl(): string {
    return this.options.apiUrl;
  }

  async send<R extends RouteContract>(route: R, request: RequestOf<R> = {}): Promise<SuccessOf<R>> {
    // Nothing is sent for a parameter the route's schema refuses or a URL parser would rewrite.
    const url = new URL(this.options.apiUrl + checkedPath(route, request.params));
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const what = `${route.method} ${url.pathname}`;
    const headers: Record<string, string> = {
      ...(this.options.token !== undefined && { Authorization: `Bearer ${this.options.token}` }),
      Accept: 'application/json, application/problem+json',
      'User-Agent': this.options.userAgent ?? 'deployer-cli',
    };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: route.method,
        headers,
        ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      text = await res.text();
    } catch (err) {
      throw networkError(err, this.options.apiUrl, timeoutMs);
    }

    // Every status the route declares is one of its answers (readiness answers 503 with the same body as 200).
    const schema = route.responses[res.status];
    if (schema !== undefined) {
      if (schema === null) return undefined as SuccessOf<R>;
      const parsed = schema.safeParse(parseJson(text));
      if (parsed.success) return parsed.data as SuccessOf<R>;
      const first = parsed.error.issues[0];
      const where = first ? `${first.path.map(String).join('.') || '(body)'}: ${first.message}` : 'invalid body';
      throw new UnexpectedResponseError(
        `the Secret API at ${this.options.apiUrl} answered something unexpected for ${what} (${res.status}; ${where}); ` +
          'is SECRET_API_URL pointing at a Secret API of a matching version?',
      );
    }
    if (res.ok) {
      throw new UnexpectedResponseError(
        `the Secret API at ${this.options.apiUrl} answered something unexpected for ${what}: status ${res.status}`,
      );
    }
    const problem = parseProblem(parseJson(text));
    const error = problem
      ? ApiError.fromProblem(problem, errorCodeFromType(problem.type))
      : new ApiError(
          res.status,
          `the Secret API at ${this.options.apiUrl} answered ${res.status} ${res.statusText} for ${what} without a problem document`,
        );
    if (res.status === 401) error.hint = newTokenHint(this.options.tokenSource);
    throw error;
  }
}

/** A refused token (expired, revoked, another issuer) is replaced where it came from. */
function newTokenHint(source: 'env' | 'config' | 'login' | undefined): string {
  if (source === 'login') return 'Nothing was saved: get a fresh token from your identity provider and log in again.';
  return source === 'env'
    ? 'Get a new token: SECRET_API_TOKEN is set but refused; set it to a fresh token (or unset it and run `deployer login`).'
    : 'Get a new token: run `deployer login` (or set SECRET_API_TOKEN to a fresh token).';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** fetch hides the reason (ECONNREFUSED, ENOTFOUND, "bad port", ...) one or two causes down. */
function causeOf(err: unknown): string | undefined {
  let current: unknown = (err as { cause?: unknown } | undefined)?.cause;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const next = (current as { cause?: unknown }).cause;
    if (next === undefined) return current instanceof Error ? current.message : undefined;
    current = next;
  }
  return undefined;
}

function networkError(err: unknown, apiUrl: string, timeoutMs: number): NetworkError {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new NetworkError(`the Secret API at ${apiUrl} did not answer within ${timeoutMs / 1000} s`);
  }
  const cause = causeOf(err) ?? (err instanceof Error ? err.message : undefined);
  return new NetworkError(`cannot reach the Secret API at ${apiUrl}${cause ? ` (${cause})` : ''}`);
}
