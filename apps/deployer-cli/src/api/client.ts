/**
 * The only way the CLI talks to the Secret API: paths from the contract's route table, sent by ./transport.ts
 * (node:http, not fetch: see there), every success body parsed with the route's response schema and every error
 * body re-parsed as a problem. Transport failures become NetworkError, answers outside the contract
 * UnexpectedResponseError, problems ApiError. Loaded lazily (it pulls in zod and the contract), so `--help` and
 * `--version` never pay for it.
 */
import { errorCodeFromType, parseProblem } from './contract/problem.js';
import type { RouteContract } from '@secret-api/contract';
import type { z } from 'zod';
import { ApiError, NetworkError, UnexpectedResponseError } from '../errors.js';
import { checkedPath } from './params.js';
import { RequestTimeoutError, ResponseTooLargeError, send, type TransportResponse } from './transport.js';

/** What a route answers on success: the output of its response schemas (undefined for a 204). */
export type SuccessOf<R extends RouteContract> = {
  [S in keyof R['responses']]: R['responses'][S] extends z.ZodType ? z.output<R['responses'][S]> : undefined;
}[keyof R['responses']];

/** A request to a route; `body` is typed from the contract's input type of the route's body schema. */
export interface RequestOf<R extends RouteContract> {
  params?: Record<string, string>;
  query?: Record<string, string | undefined>;
  body?: R['body'] extends z.ZodType ? z.input<R['body']> : never;
  /** Extra request headers, e.g. `If-Match` for a conditional PATCH; they cannot replace the client's own. */
  headers?: Readonly<Record<string, string>>;
}

/** A success answer with its response headers (e.g. the `ETag` a conditional PATCH sends back). */
export interface AnswerOf<R extends RouteContract> {
  body: SuccessOf<R>;
  headers: TransportResponse['headers'];
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
  /** Told each warning an answer carries (a `Warning: 299 - "…"` header), as kubectl prints them. */
  onWarning?: (text: string) => void;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The texts of the warnings in a `Warning` header (RFC 7234 §5.5: `299 - "text"`, several joined by commas), as the
 * Secret API and the Kubernetes API server send them (a header value carries no control characters: HTTP parsers
 * refuse them).
 */
export function warningTexts(header: string | string[] | undefined): string[] {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return values.flatMap((value) =>
    [...value.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1')),
  );
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get apiUrl(): string {
    return this.options.apiUrl;
  }

  async send<R extends RouteContract>(route: R, request: RequestOf<R> = {}): Promise<SuccessOf<R>> {
    return (await this.sendWithHeaders(route, request)).body;
  }

  async sendWithHeaders<R extends RouteContract>(route: R, request: RequestOf<R> = {}): Promise<AnswerOf<R>> {
    // Nothing is sent for a parameter the route's schema refuses or a URL parser would rewrite.
    const url = new URL(this.options.apiUrl + checkedPath(route, request.params));
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const what = `${route.method} ${url.pathname}`;
    const headers: Record<string, string> = {
      ...request.headers,
      ...(this.options.token !== undefined && { Authorization: `Bearer ${this.options.token}` }),
      Accept: 'application/json, application/problem+json',
      'User-Agent': this.options.userAgent ?? 'deployer-cli',
    };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

    let res: TransportResponse;
    try {
      res = await send({
        method: route.method,
        url,
        headers,
        ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
        timeoutMs,
      });
    } catch (err) {
      throw transportError(err, this.options.apiUrl, what, timeoutMs);
    }
    const text = res.body;
    for (const warning of warningTexts(res.headers.warning)) this.options.onWarning?.(warning);

    // Every status the route declares is one of its answers (readiness answers 503 with the same body as 200).
    const schema = route.responses[res.status];
    if (schema !== undefined) {
      if (schema === null) return { body: undefined as SuccessOf<R>, headers: res.headers };
      const parsed = schema.safeParse(parseJson(text));
      if (parsed.success) return { body: parsed.data as SuccessOf<R>, headers: res.headers };
      const first = parsed.error.issues[0];
      const where = first ? `${first.path.map(String).join('.') || '(body)'}: ${first.message}` : 'invalid body';
      throw new UnexpectedResponseError(
        `the Secret API at ${this.options.apiUrl} answered something unexpected for ${what} (${res.status}; ${where}); ` +
          'is SECRET_API_URL pointing at a Secret API of a matching version?',
      );
    }
    // Redirects are never followed: the token would go wherever the Location says, and no route answers one.
    if (res.status >= 300 && res.status < 400) {
      throw new UnexpectedResponseError(
        `the Secret API at ${this.options.apiUrl} answered ${res.status} ${res.statusText} for ${what}` +
          `${redirectTarget(res.headers.location, url)}; deployer does not follow redirects: ` +
          "use the API's own URL (in SECRET_API_URL or with `deployer login`)",
      );
    }
    if (res.status >= 200 && res.status < 300) {
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

/** Where a redirect pointed, without its query (it is the user's to see, but a query may carry anything). */
function redirectTarget(location: string | undefined, from: URL): string {
  if (location === undefined) return '';
  try {
    const to = new URL(location, from);
    return ` (redirecting to ${to.origin}${to.pathname})`;
  } catch {
    return '';
  }
}

/** The certificate failures that a private CA in NODE_EXTRA_CA_CERTS would cure. */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Node's own code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, ...); for TLS failures its words too, they say which. */
function reasonOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err.message;
  if (code === 'EPROTO') {
    // OpenSSL's reason, without its error-queue prefix and source location.
    const reason = /SSL routines:[^:]*:([^:]+)/.exec(err.message)?.[1];
    if (reason === undefined) return code;
    const hint = reason === 'wrong version number' ? '; the server does not speak TLS there: is it http://?' : '';
    return `${code}: ${reason}${hint}`;
  }
  // Node names the header, never its value (a token with a stray newline must not be printed).
  if (code === 'ERR_INVALID_CHAR') return `${code}: ${err.message}`;
  if (!/^ERR_(TLS|SSL)_/.test(code) && !/CERT|_SIGNATURE|_ISSUER/.test(code)) return code;
  const hint = UNTRUSTED_CERTIFICATE.has(code)
    ? "; if the API's certificate comes from your own CA, point NODE_EXTRA_CA_CERTS at that CA's PEM file"
    : '';
  return `${code}: ${err.message}${hint}`;
}

function transportError(err: unknown, apiUrl: string, what: string, timeoutMs: number): Error {
  if (err instanceof RequestTimeoutError) {
    // A change that went unanswered may have been made all the same: said, so that nobody retries it blindly.
    const change = !what.startsWith('GET ');
    const maybe = change
      ? '; the change may have been made all the same: look before you retry (deployer secrets history, apps show)'
      : '';
    return new NetworkError(`the Secret API at ${apiUrl} did not answer within ${timeoutMs / 1000} s${maybe}`);
  }
  if (err instanceof ResponseTooLargeError) {
    return new UnexpectedResponseError(
      `the Secret API at ${apiUrl} answered more than ${err.limitBytes / (1024 * 1024)} MiB for ${what} ` +
        '(not read); is SECRET_API_URL pointing at the Secret API?',
    );
  }
  const reason = reasonOf(err);
  return new NetworkError(`cannot reach the Secret API at ${apiUrl}${reason ? ` (${reason})` : ''}`);
}
