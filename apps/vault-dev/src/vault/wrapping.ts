/**
 * Response wrapping, after Vault's `vault/wrapping.go`: the real answer goes
 * into the cubbyhole of a fresh single-use token (policy `response-wrapping`,
 * TTL = explicit max = the wrap TTL) and the caller gets only `wrap_info`.
 * Unwrapping returns the original JSON (its own request_id) once.
 */
import type { Request, Response } from '../sdk/logical.js';
import { formatRFC3339Nano, millisToNanos } from '../sdk/time.js';
import type { CubbyholeStore } from './cubbyhole.js';
import type { MountEntry } from './mounts.js';
import { renderEnvelope, type WireResponse } from './respond.js';
import type { TokenEntry, TokenStore } from './token-store.js';

const RESPONSE_KEY = 'response';
const WRAPINFO_KEY = 'wrapinfo';

export interface WrappingDeps {
  tokens: TokenStore;
  cubbyhole: CubbyholeStore;
  now(): number;
}

interface StoredWrapInfo {
  creation_ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

export class Wrapper {
  constructor(private readonly deps: WrappingDeps) {}

  /** A live token carrying only the response-wrapping policy. */
  isValidWrappingToken(token: string): boolean {
    const entry = this.deps.tokens.lookup(token);
    return entry !== undefined && entry.isWrapping;
  }

  /** Wraps a backend response: stores its wire body and answers with wrap_info only. */
  wrap(req: Request, mount: MountEntry | undefined, resp: Response, ttl: number): WireResponse {
    const inner = renderEnvelope(req, mount, resp);
    const wrappedAccessor = resp.wrappedAccessor ?? resp.issuedToken?.entry.accessor;
    return this.store(req.path, ttl, JSON.stringify(inner.body ?? null), wrappedAccessor);
  }

  private store(creationPath: string, ttl: number, body: string, wrappedAccessor?: string): WireResponse {
    const now = this.deps.now();
    const token = this.deps.tokens.create({
      parent: '',
      policies: ['response-wrapping'],
      path: creationPath,
      mountPoint: 'auth/token/',
      displayName: '',
      numUses: 1,
      ttl,
      explicitMaxTTL: ttl,
      renewable: false,
      isWrapping: true,
    });
    const info: StoredWrapInfo = {
      creation_ttl: ttl,
      creation_time: formatRFC3339Nano(millisToNanos(now)),
      creation_path: creationPath,
      ...(wrappedAccessor ? { wrapped_accessor: wrappedAccessor } : {}),
    };
    this.deps.cubbyhole.put(token.id, RESPONSE_KEY, { response: body });
    this.deps.cubbyhole.put(token.id, WRAPINFO_KEY, { ...info });
    return { status: 200, body: wrapEnvelope(token, info) };
  }

  /** The stored answer; the wrapping token is revoked. Undefined when not a valid wrapping token. */
  unwrap(token: string): WireResponse | undefined {
    const entry = this.deps.tokens.lookup(token) ?? this.pendingEntry(token);
    if (!entry?.isWrapping) return undefined;
    const stored = this.deps.cubbyhole.get(entry.id, RESPONSE_KEY);
    this.deps.tokens.revokeTree(entry.id);
    const body = typeof stored?.['response'] === 'string' ? (JSON.parse(stored['response']) as unknown) : null;
    return body === null ? { status: 204 } : { status: 200, body };
  }

  lookup(token: string): StoredWrapInfo | undefined {
    const entry = this.deps.tokens.lookup(token);
    if (!entry?.isWrapping) return undefined;
    return this.deps.cubbyhole.get(entry.id, WRAPINFO_KEY) as StoredWrapInfo | undefined;
  }

  /** Moves the wrapped answer under a new token with the same TTL and path; the old one stops working. */
  rewrap(token: string): WireResponse | undefined {
    const entry = this.deps.tokens.lookup(token) ?? this.pendingEntry(token);
    if (!entry?.isWrapping) return undefined;
    const stored = this.deps.cubbyhole.get(entry.id, RESPONSE_KEY);
    const info = this.deps.cubbyhole.get(entry.id, WRAPINFO_KEY) as StoredWrapInfo | undefined;
    this.deps.tokens.revokeTree(entry.id);
    if (!stored || !info) return undefined;
    return this.store(info.creation_path, info.creation_ttl, String(stored['response']), info.wrapped_accessor);
  }

  /** Wraps arbitrary data (sys/wrapping/wrap). */
  wrapData(req: Request, data: Record<string, unknown>, ttl: number): WireResponse {
    const inner = renderEnvelope(req, undefined, { data });
    return this.store(req.path, ttl, JSON.stringify(inner.body ?? null));
  }

  /**
   * A wrapping token presented as X-Vault-Token has spent its single use on
   * this very request (revocation pending) yet must still be unwrappable.
   */
  private pendingEntry(token: string): TokenEntry | undefined {
    return this.deps.tokens.lookupTainted(token);
  }
}

function wrapEnvelope(token: TokenEntry, info: StoredWrapInfo): Record<string, unknown> {
  return {
    request_id: '',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: {
      token: token.id,
      accessor: token.accessor,
      ttl: info.creation_ttl,
      creation_time: info.creation_time,
      creation_path: info.creation_path,
      ...(info.wrapped_accessor ? { wrapped_accessor: info.wrapped_accessor } : {}),
    },
    warnings: null,
    auth: null,
  };
}
