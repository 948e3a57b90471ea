/** A tiny HTTP client for the API under test: real requests over a real socket. */
export interface ApiReply {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export interface ApiCallOptions {
  token?: string | undefined;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  as(token: string | undefined): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async call(method: string, path: string, opts: ApiCallOptions = {}): Promise<ApiReply> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = 'token' in opts ? opts.token : this.token;
    if (token !== undefined) headers['Authorization'] ??= `Bearer ${token}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, ...(body !== undefined && { body }) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  get = (path: string, opts?: ApiCallOptions) => this.call('GET', path, opts);
  post = (path: string, body?: unknown, opts?: ApiCallOptions) => this.call('POST', path, { ...opts, body });
  put = (path: string, body?: unknown, opts?: ApiCallOptions) => this.call('PUT', path, { ...opts, body });
  patch = (path: string, body?: unknown, opts?: ApiCallOptions) => this.call('PATCH', path, { ...opts, body });
  delete = (path: string, opts?: ApiCallOptions) => this.call('DELETE', path, opts);
}
