/**
 * Test support: a real vault-dev on a free port, and a small HTTP client that
 * speaks to it the way any Vault client does (fetch sends LIST as-is).
 */
import { afterAll, beforeAll } from 'vitest';
import { startVaultDev, type VaultDev, type VaultDevOptions } from '../../src/index.js';

export interface VaultReply {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined for an empty body. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export class VaultClient {
  constructor(
    readonly address: string,
    public token: string,
  ) {}

  async call(method: string, path: string, opts: CallOptions = {}): Promise<VaultReply> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? this.token : opts.token;
    if (token) headers['X-Vault-Token'] = token;
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(`${this.address}/v1/${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  get = (path: string, opts?: CallOptions) => this.call('GET', path, opts);
  list = (path: string, opts?: CallOptions) => this.call('LIST', path, opts);
  post = (path: string, body?: unknown, opts?: CallOptions) => this.call('POST', path, { ...opts, body });
  put = (path: string, body?: unknown, opts?: CallOptions) => this.call('PUT', path, { ...opts, body });
  delete = (path: string, opts?: CallOptions) => this.call('DELETE', path, opts);

  /** Writes a policy document with the root token. */
  async policy(name: string, hcl: string): Promise<void> {
    const r = await this.put(`sys/policies/acl/${name}`, { policy: hcl });
    if (r.status !== 204) throw new Error(`policy write failed: ${r.status} ${r.text}`);
  }

  /** A child token of the current token with exactly these policies. */
  async tokenWith(policies: string[], extra: Record<string, unknown> = {}): Promise<string> {
    const r = await this.post('auth/token/create', { policies, ...extra });
    if (r.status !== 200) throw new Error(`token create failed: ${r.status} ${r.text}`);
    return r.body.auth.client_token as string;
  }

  as(token: string): VaultClient {
    return new VaultClient(this.address, token);
  }
}

/** Starts one vault-dev for the calling test file and stops it afterwards. */
export function useVaultDev(options: VaultDevOptions = {}): { readonly vault: VaultDev; readonly client: VaultClient } {
  const state = {} as { vault: VaultDev; client: VaultClient };
  beforeAll(async () => {
    state.vault = await startVaultDev({ rootToken: 'root', ...options });
    state.client = new VaultClient(state.vault.address, state.vault.rootToken);
  });
  afterAll(async () => {
    await state.vault?.close();
  });
  return {
    get vault() {
      return state.vault;
    },
    get client() {
      return state.client;
    },
  };
}

export const MULTI_PERMISSION_DENIED = '1 error occurred:\n\t* permission denied\n\n';
export const MULTI_INVALID_TOKEN = '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n';
