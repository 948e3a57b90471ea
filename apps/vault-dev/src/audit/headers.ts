/**
 * Which request headers reach the audit log, after Vault's
 * `audit/headers.go` (`HeadersConfig`): only configured headers appear
 * (`sys/config/auditing/request-headers/:name`), names lower-cased, each as a
 * list of values, optionally HMAC'd with the device's salt. Vault always adds
 * `correlation-id`, `x-correlation-id` and `user-agent` as plaintext defaults
 * unless the operator configured them otherwise.
 */
import type { HashFn } from './hash.js';

export interface HeaderSettings {
  hmac: boolean;
}

export const DEFAULT_AUDITED_HEADERS: Readonly<Record<string, HeaderSettings>> = {
  'correlation-id': { hmac: false },
  'x-correlation-id': { hmac: false },
  'user-agent': { hmac: false },
};

export class AuditedHeaders {
  private readonly settings = new Map<string, HeaderSettings>();

  constructor(defaults: Readonly<Record<string, HeaderSettings>> = DEFAULT_AUDITED_HEADERS) {
    for (const [name, s] of Object.entries(defaults)) this.settings.set(name.toLowerCase(), { ...s });
  }

  /** Adds or replaces a header's setting (Vault's `HeadersConfig.Add`). */
  set(name: string, hmac: boolean): void {
    if (name === '') throw new Error('header value cannot be empty');
    this.settings.set(name.toLowerCase(), { hmac });
  }

  remove(name: string): void {
    if (name === '') throw new Error('header value cannot be empty');
    this.settings.delete(name.toLowerCase());
  }

  get(name: string): HeaderSettings | undefined {
    const s = this.settings.get(name.toLowerCase());
    return s ? { ...s } : undefined;
  }

  /** Every configured header with its settings. */
  list(): Record<string, HeaderSettings> {
    const out: Record<string, HeaderSettings> = {};
    for (const [name, s] of this.settings) out[name] = { ...s };
    return out;
  }

  /** Vault's `ApplyConfig`: the configured subset of `headers`, values HMAC'd where asked. */
  apply(
    headers: Readonly<Record<string, string | readonly string[]>> | undefined,
    hash: HashFn | undefined,
  ): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    if (!headers) return out;
    const lower = new Map<string, string[]>();
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) continue;
      lower.set(k.toLowerCase(), typeof v === 'string' ? [v] : [...v]);
    }
    for (const [name, s] of this.settings) {
      const values = lower.get(name);
      if (!values) continue;
      out[name] = s.hmac && hash ? values.map((x) => hash(x)) : values;
    }
    return out;
  }
}
