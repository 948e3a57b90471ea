/**
 * Conversions of raw request values into typed fields, matching Vault's
 * framework field types (go-secure-stdlib/parseutil and mapstructure's weak
 * decoding). Each function throws FieldError with Go-like text; the framework
 * prefixes it with `Field validation failed: error converting input for field "x": `.
 */

import { goQuote } from './go-text.js';
import { goParseInt } from './strconv.js';

export class FieldError extends Error {}

/** mapstructure weak decoding into an int (strconv.ParseInt with base 0 for strings). */
export function parseInt64(raw: unknown): number {
  if (raw === null || raw === undefined) return 0;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new FieldError(`cannot parse ${String(raw)} as int`);
    if (!Number.isInteger(raw))
      throw new FieldError(`strconv.ParseInt: parsing ${goQuote(String(raw))}: invalid syntax`);
    return raw;
  }
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    if (raw === '') return 0;
    try {
      return Number(goParseInt(raw, 0));
    } catch (err) {
      throw new FieldError(`cannot parse '' as int: ${(err as Error).message}`);
    }
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
    throw new FieldError(`cannot parse '' as bool: strconv.ParseBool: parsing ${goQuote(raw)}: invalid syntax`);
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
