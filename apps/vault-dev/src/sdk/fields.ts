/**
 * Conversions of raw request values into typed fields, matching Vault's
 * framework field types (go-secure-stdlib/parseutil and mapstructure's weak
 * decoding). Each function throws FieldError with Go-like text; the framework
 * prefixes it with `Field validation failed: error converting input for field "x": `.
 */

export class FieldError extends Error {}

const NANOS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, returning nanoseconds. */
export function parseGoDuration(input: string): number {
  const quoted = JSON.stringify(input);
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new FieldError(`time: invalid duration ${quoted}`);
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?([a-zµμ]*)/;
  while (s !== '') {
    const m = part.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
      throw new FieldError(`time: invalid duration ${quoted}`);
    }
    const [whole, intPart = '', fracPart = '', unit = ''] = m;
    if (unit === '') throw new FieldError(`time: missing unit in duration ${quoted}`);
    const scale = NANOS_PER_UNIT[unit];
    if (scale === undefined) throw new FieldError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(intPart || '0') * scale + (fracPart ? Number(`0.${fracPart}`) * scale : 0);
    s = s.slice(whole.length);
  }
  return sign * Math.round(total);
}

/** Go's Duration.String() for a whole or fractional number of seconds. */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const negative = seconds < 0;
  let rest = Math.abs(seconds);
  if (rest < 1) {
    const ms = rest * 1000;
    return `${negative ? '-' : ''}${Number.isInteger(ms) ? ms : ms.toFixed(3)}ms`;
  }
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const secText = Number.isInteger(rest) ? String(rest) : String(Number(rest.toFixed(9)));
  let out = '';
  if (h > 0) out = `${h}h${m}m${secText}s`;
  else if (m > 0) out = `${m}m${secText}s`;
  else out = `${secText}s`;
  return (negative ? '-' : '') + out;
}

/** parseutil.ParseDurationSecond: seconds from a number, numeric string, Go duration or `Nd`. */
export function parseDurationSecond(raw: unknown): number {
  if (raw === null || raw === undefined) return 0;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new FieldError('could not parse duration from input');
    return Math.trunc(raw);
  }
  if (typeof raw !== 'string') throw new FieldError('could not parse duration from input');
  const s = raw;
  if (s === '') return 0;
  if (s.endsWith('s') || s.endsWith('m') || s.endsWith('h')) {
    return Math.trunc(parseGoDuration(s) / 1e9);
  }
  if (s.endsWith('d')) {
    const days = s.slice(0, -1);
    if (!/^[+-]?\d+$/.test(days))
      throw new FieldError(`strconv.ParseInt: parsing ${JSON.stringify(days)}: invalid syntax`);
    return Number(days) * 86400;
  }
  if (!/^[+-]?\d+$/.test(s)) throw new FieldError(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** mapstructure weak decoding into an int (strconv.ParseInt with base 0 for strings). */
export function parseInt64(raw: unknown): number {
  if (raw === null || raw === undefined) return 0;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new FieldError(`cannot parse ${String(raw)} as int`);
    if (!Number.isInteger(raw))
      throw new FieldError(`strconv.ParseInt: parsing ${JSON.stringify(String(raw))}: invalid syntax`);
    return raw;
  }
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    if (raw === '') return 0;
    const s = raw.replace(/_/g, '');
    const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|\d+)$/.exec(s);
    if (!m)
      throw new FieldError(`cannot parse '' as int: strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
    const body = m[2] as string;
    let value: number;
    if (/^0[xX]/.test(body)) value = parseInt(body.slice(2), 16);
    else if (/^0[bB]/.test(body)) value = parseInt(body.slice(2), 2);
    else if (/^0[oO]/.test(body)) value = parseInt(body.slice(2), 8);
    else if (body.length > 1 && body.startsWith('0')) value = parseInt(body.slice(1), 8);
    else value = parseInt(body, 10);
    return m[1] === '-' ? -value : value;
  }
  throw new FieldError(`'' expected type 'int', got unconvertible type '${goTypeName(raw)}'`);
}

/** parseutil.ParseBool: mapstructure weak decoding into a bool. */
export function parseBool(raw: unknown): boolean {
  if (raw === null || raw === undefined) return false;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return raw !== 0;
  if (typeof raw === 'string') {
    if (raw === '') return false;
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
    throw new FieldError(`cannot parse '' as bool: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
  }
  throw new FieldError(`'' expected type 'bool', got unconvertible type '${goTypeName(raw)}'`);
}

/** mapstructure weak decoding into a string. */
export function parseString(raw: unknown): string {
  if (raw === null || raw === undefined) return '';
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number') return String(raw);
  if (typeof raw === 'boolean') return raw ? '1' : '0';
  throw new FieldError(`'' expected type 'string', got unconvertible type '${goTypeName(raw)}'`);
}

/** parseutil.ParseCommaStringSlice: a JSON array or a comma-separated string, trimmed. */
export function parseCommaStringSlice(raw: unknown): string[] {
  if (raw === null || raw === undefined) return [];
  if (typeof raw === 'string') {
    if (raw === '') return [];
    return raw.split(',').map((s) => s.trim());
  }
  if (typeof raw === 'number' || typeof raw === 'boolean') return [parseString(raw)];
  if (Array.isArray(raw)) return raw.map((v) => parseString(v).trim());
  throw new FieldError(`'' expected type '[]string', got unconvertible type '${goTypeName(raw)}'`);
}

/** TypeStringSlice: an array, or a single value, without comma splitting. */
export function parseStringSlice(raw: unknown): string[] {
  if (raw === null || raw === undefined) return [];
  if (Array.isArray(raw)) return raw.map((v) => parseString(v));
  if (typeof raw === 'string' && raw === '') return [];
  return [parseString(raw)];
}

/** TypeCommaIntSlice: `[1,2]`, `"1,2"` or `1`. */
export function parseCommaIntSlice(raw: unknown): number[] {
  if (raw === null || raw === undefined) return [];
  if (typeof raw === 'number') return [parseInt64(raw)];
  if (typeof raw === 'string') {
    if (raw.trim() === '') return [];
    return raw.split(',').map((s) => parseInt64(s.trim()));
  }
  if (Array.isArray(raw)) return raw.map((v) => parseInt64(v));
  throw new FieldError(`'' expected type '[]int', got unconvertible type '${goTypeName(raw)}'`);
}

/** TypeMap: a JSON object. */
export function parseMap(raw: unknown): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  throw new FieldError(`'' expected a map, got '${goKind(raw)}'`);
}

/** TypeKVPairs: a JSON object of strings (values weakly converted). */
export function parseKVPairs(raw: unknown): Record<string, string> {
  const m = parseMap(raw);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) out[k] = parseString(v);
  return out;
}

function goKind(raw: unknown): string {
  if (Array.isArray(raw)) return 'slice';
  if (typeof raw === 'object') return 'map';
  if (typeof raw === 'number') return Number.isInteger(raw) ? 'int64' : 'float64';
  return typeof raw;
}

function goTypeName(raw: unknown): string {
  if (Array.isArray(raw)) return '[]interface {}';
  if (raw !== null && typeof raw === 'object') return 'map[string]interface {}';
  if (typeof raw === 'number') return 'json.Number';
  return typeof raw;
}

/**
 * Vault's policyutil.SanitizePolicies: trim, lower-case, drop empties; `root`
 * swallows every other policy; `default` added when asked (never beside root);
 * de-duplicated and sorted.
 */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  const cleaned = policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '');
  if (cleaned.includes('root')) return ['root'];
  if (addDefault && !cleaned.includes('default')) cleaned.push('default');
  return [...new Set(cleaned)].sort();
}

/** Vault's policyutil.ParsePolicies: a comma slice, sanitized without adding `default`. */
export function parsePolicies(raw: unknown): string[] {
  return sanitizePolicies(parseCommaStringSlice(raw), false);
}
