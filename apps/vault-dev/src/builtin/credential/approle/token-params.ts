/**
 * The token_* role parameters shared by auth methods, after Vault's
 * sdk/helper/tokenutil: field schemas, parsing with its validation texts,
 * rendering for GETs, the auth block for logins, and the legacy-key upgrade
 * rules (`period`→`token_period`, `policies`→`token_policies`).
 */
import { parseAddrs } from '../../../sdk/cidr.js';
import { parsePolicies } from '../../../sdk/fields.js';
import type { FieldData, FieldSchemas } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Auth } from '../../../sdk/logical.js';

/** logical.TokenType as stored on a role (its String() form). */
export type TokenType = 'default' | 'service' | 'batch' | 'default-service' | 'default-batch';

export interface TokenParams {
  /** SockAddr strings; null when never set (Go nil slice). */
  tokenBoundCidrs: string[] | null;
  /** Seconds. */
  tokenExplicitMaxTTL: number;
  tokenMaxTTL: number;
  tokenNoDefaultPolicy: boolean;
  tokenNumUses: number;
  tokenPeriod: number;
  /** Stored as given (not sanitized); null when never set. */
  tokenPolicies: string[] | null;
  tokenType: TokenType;
  tokenTTL: number;
}

export function emptyTokenParams(): TokenParams {
  return {
    tokenBoundCidrs: null,
    tokenExplicitMaxTTL: 0,
    tokenMaxTTL: 0,
    tokenNoDefaultPolicy: false,
    tokenNumUses: 0,
    tokenPeriod: 0,
    tokenPolicies: null,
    tokenType: 'default',
    tokenTTL: 0,
  };
}

/** tokenutil.TokenFields(). */
export function tokenFields(): FieldSchemas {
  return {
    token_bound_cidrs: { type: 'commaStringSlice' },
    token_explicit_max_ttl: { type: 'durationSecond' },
    token_max_ttl: { type: 'durationSecond' },
    token_no_default_policy: { type: 'bool' },
    token_period: { type: 'durationSecond' },
    token_policies: { type: 'commaStringSlice' },
    token_type: { type: 'string', default: 'default-service' },
    token_ttl: { type: 'durationSecond' },
    token_num_uses: { type: 'int' },
  };
}

function getOk<T>(d: FieldData, name: string): T | undefined {
  const r = d.getOk(name);
  return r.ok ? (r.value as T) : undefined;
}

/**
 * tokenutil.ParseTokenFields: applies the sent token_* fields onto `t` in
 * Vault's order and returns the first validation error text, or null.
 */
export function parseTokenFields(t: TokenParams, d: FieldData): string | null {
  const boundCidrs = getOk<string[]>(d, 'token_bound_cidrs');
  if (boundCidrs !== undefined) {
    try {
      t.tokenBoundCidrs = parseAddrs(boundCidrs);
    } catch (err) {
      return (err as Error).message;
    }
  }
  const explicitMax = getOk<number>(d, 'token_explicit_max_ttl');
  if (explicitMax !== undefined) t.tokenExplicitMaxTTL = explicitMax;

  const maxTTL = getOk<number>(d, 'token_max_ttl');
  if (maxTTL !== undefined) t.tokenMaxTTL = maxTTL;
  if (t.tokenMaxTTL < 0) return "'token_max_ttl' cannot be negative";

  const noDefault = getOk<boolean>(d, 'token_no_default_policy');
  if (noDefault !== undefined) t.tokenNoDefaultPolicy = noDefault;

  const period = getOk<number>(d, 'token_period');
  if (period !== undefined) t.tokenPeriod = period;
  if (t.tokenPeriod < 0) return "'token_period' cannot be negative";

  const policies = getOk<string[]>(d, 'token_policies');
  if (policies !== undefined) t.tokenPolicies = policies;

  const tokenType = getOk<string>(d, 'token_type');
  if (tokenType !== undefined) {
    switch (tokenType) {
      case '':
      case 'default':
        t.tokenType = 'default';
        break;
      case 'service':
        t.tokenType = 'service';
        break;
      case 'batch':
        t.tokenType = 'batch';
        break;
      default:
        return `invalid 'token_type' value ${goQuote(tokenType)}`;
    }
  }

  const numUses = getOk<number>(d, 'token_num_uses');
  if (numUses !== undefined) t.tokenNumUses = numUses;
  if (t.tokenNumUses < 0) return "'token_num_uses' cannot be negative";

  if (t.tokenType === 'batch' || t.tokenType === 'default-batch') {
    if (t.tokenPeriod !== 0) {
      return "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens";
    }
    if (t.tokenNumUses !== 0) {
      return "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count";
    }
  }

  const ttl = getOk<number>(d, 'token_ttl');
  if (ttl !== undefined) t.tokenTTL = ttl;
  if (t.tokenTTL < 0) return "'token_ttl' cannot be negative";
  if (t.tokenTTL > 0 && t.tokenMaxTTL > 0 && t.tokenTTL > t.tokenMaxTTL) {
    return "'token_ttl' cannot be greater than 'token_max_ttl'";
  }
  return null;
}

/** tokenutil.PopulateTokenData: the token_* keys of a role GET. */
export function populateTokenData(t: TokenParams, m: Record<string, unknown>): void {
  m.token_bound_cidrs = t.tokenBoundCidrs && t.tokenBoundCidrs.length > 0 ? [...t.tokenBoundCidrs] : [];
  m.token_explicit_max_ttl = t.tokenExplicitMaxTTL;
  m.token_max_ttl = t.tokenMaxTTL;
  m.token_no_default_policy = t.tokenNoDefaultPolicy;
  m.token_period = t.tokenPeriod;
  m.token_policies = t.tokenPolicies && t.tokenPolicies.length > 0 ? [...t.tokenPolicies] : [];
  m.token_type = t.tokenType;
  m.token_ttl = t.tokenTTL;
  m.token_num_uses = t.tokenNumUses;
}

/**
 * tokenutil.PopulateTokenAuth: the token-shaping half of a login's auth block.
 * Policies are sanitized here (lower-cased, de-duplicated, sorted); the core
 * adds `default` unless `noDefaultPolicy`.
 */
export function populateTokenAuth(
  t: TokenParams,
): Pick<
  Auth,
  | 'boundCidrs'
  | 'explicitMaxTTL'
  | 'maxTTL'
  | 'noDefaultPolicy'
  | 'period'
  | 'policies'
  | 'renewable'
  | 'tokenType'
  | 'ttl'
  | 'numUses'
> {
  const tokenType: Auth['tokenType'] =
    t.tokenType === 'service' || t.tokenType === 'default-service'
      ? 'service'
      : t.tokenType === 'batch' || t.tokenType === 'default-batch'
        ? 'batch'
        : 'default';
  return {
    boundCidrs: [...(t.tokenBoundCidrs ?? [])],
    explicitMaxTTL: t.tokenExplicitMaxTTL,
    maxTTL: t.tokenMaxTTL,
    noDefaultPolicy: t.tokenNoDefaultPolicy,
    period: t.tokenPeriod,
    policies: parsePolicies(t.tokenPolicies ?? []),
    renewable: true,
    tokenType,
    ttl: t.tokenTTL,
    numUses: t.tokenNumUses,
  };
}

/**
 * tokenutil.UpgradeValue for a duration pair: only the legacy key sent sets
 * both; the new key sent clears the legacy value unless the legacy key was
 * sent as well, in which case it mirrors the new one.
 */
export function upgradeDuration(
  d: FieldData,
  oldKey: string,
  newKey: string,
  get: () => { oldVal: number; newVal: number },
  set: (oldVal: number, newVal: number) => void,
): void {
  const cur = get();
  if (!d.getOk(newKey).ok) {
    const raw = d.getOk(oldKey);
    if (raw.ok) set(raw.value as number, raw.value as number);
  } else {
    set(d.getOk(oldKey).ok ? cur.newVal : 0, cur.newVal);
  }
}

/** tokenutil.UpgradeValue for `policies`→`token_policies` (legacy input goes through ParsePolicies). */
export function upgradePolicies(
  d: FieldData,
  get: () => { oldVal: string[] | null; newVal: string[] | null },
  set: (oldVal: string[] | null, newVal: string[] | null) => void,
): void {
  const cur = get();
  if (!d.getOk('token_policies').ok) {
    const raw = d.getOk('policies');
    if (raw.ok) {
      const parsed = parsePolicies(raw.value);
      set(parsed, [...parsed]);
    }
  } else {
    set(d.getOk('policies').ok ? (cur.newVal ? [...cur.newVal] : cur.newVal) : null, cur.newVal);
  }
}
