/**
 * The value model: how Go's dynamic values are represented in TypeScript.
 *
 *   Go                        here
 *   invalid reflect.Value     undefined   (a missing map key; prints "<no value>")
 *   nil interface             null        (prints "<nil>")
 *   int                       bigint      (template literals such as 3, 0x1F, 'a')
 *   float64                   number      (3.5, 1e3, and JSON numbers — see NumberMode)
 *   uint8 (a string's byte)   Uint8
 *   string, bool              string, boolean
 *   []interface{}             GoValue[]
 *   map[string]interface{}    GoMap (a null-prototype record; printed with sorted keys)
 *   func                      GoFunction
 *   (secret)                  Sensitive  (a dependency function's answer; see below)
 */

export type GoMap = { [key: string]: GoValue };
export type GoFunction = (...args: GoValue[]) => unknown;
export type GoValue =
  Uint8 | undefined | null | string | boolean | bigint | number | GoValue[] | GoMap | GoFunction | Sensitive;

/** Go's uint8: what `index` of a string gives (a byte). */
export class Uint8 {
  constructor(readonly value: number) {}
}

/**
 * A value that came from a dependency function (a secret). It renders as its value, but any
 * error raised while it is being used says "<redacted>" instead of showing it, and values
 * computed from it (an `index` into it, a `printf` of it) are sensitive too.
 */
export class Sensitive {
  constructor(
    readonly value: GoValue,
    /** Set during `collect`: the answer is not known yet. */
    readonly placeholder = false,
  ) {}
  toString(): string {
    return '<redacted>';
  }
  toJSON(): string {
    return '<redacted>';
  }
}

export const isSensitive = (v: unknown): v is Sensitive => v instanceof Sensitive;
export const unwrap = (v: GoValue): Exclude<GoValue, Sensitive> => (v instanceof Sensitive ? unwrap(v.value) : v);

/**
 * How JSON numbers in data (and numbers returned by custom functions) become Go values.
 * - 'float64': every number is a float64, exactly as Go's encoding/json decodes into
 *   interface{} (and as the WASM oracle sees it): `gt .n 1` is then a type error, as in Go.
 * - 'int-if-integral' (the default): integral numbers become int, others float64 — what a
 *   template author expects when data comes from our own code rather than JSON.
 */
export type NumberMode = 'float64' | 'int-if-integral';

export const isMap = (v: unknown): v is GoMap =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Sensitive) && !(v instanceof Uint8);

/** Converts host data (JSON-like) into Go values, once per execution. */
export function toGoValue(v: unknown, mode: NumberMode): GoValue {
  switch (typeof v) {
    case 'number':
      return mode === 'int-if-integral' && Number.isSafeInteger(v) ? BigInt(v) : v;
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return v;
    case 'function':
      return v as GoFunction;
    case 'object': {
      if (v === null || v instanceof Sensitive || v instanceof Uint8) return v;
      if (Array.isArray(v)) return v.map((e) => toGoValue(e, mode));
      if (v instanceof Map) {
        const out: GoMap = Object.create(null) as GoMap;
        for (const [k, e] of v) out[String(k)] = toGoValue(e, mode);
        return out;
      }
      const out: GoMap = Object.create(null) as GoMap;
      for (const [k, e] of Object.entries(v)) out[k] = toGoValue(e, mode);
      return out;
    }
    default:
      return String(v);
  }
}

/** Converts a Go value back to plain JSON-like data (for toJson and for callers). */
export function toHostValue(v: GoValue): unknown {
  const u = unwrap(v);
  if (typeof u === 'bigint') return Number(u);
  if (u instanceof Uint8) return u.value;
  if (Array.isArray(u)) return u.map(toHostValue);
  if (isMap(u)) return Object.fromEntries(Object.entries(u).map(([k, e]) => [k, toHostValue(e)]));
  if (u === undefined) return null;
  return u;
}

/** Go's type name for a value, as `%T` and error messages print it. */
export function typeName(v: GoValue): string {
  const u = unwrap(v);
  if (u === undefined || u === null) return '<nil>';
  if (u instanceof Uint8) return 'uint8';
  switch (typeof u) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'func(...interface {}) (interface {}, error)';
    default:
      return Array.isArray(u) ? '[]interface {}' : 'map[string]interface {}';
  }
}

/** Go's truth: false, 0, a nil, an empty string, slice or map are false; everything else true. */
export function isTrue(v: GoValue): boolean {
  const u = unwrap(v);
  if (u === undefined || u === null) return false;
  if (u instanceof Uint8) return u.value !== 0;
  switch (typeof u) {
    case 'boolean':
      return u;
    case 'bigint':
      return u !== 0n;
    case 'number':
      return u !== 0;
    case 'string':
      return u.length > 0;
    case 'function':
      return true;
    default:
      return Array.isArray(u) ? u.length > 0 : Object.keys(u).length > 0;
  }
}

/** Map keys in Go's print order (sorted by byte value, which for our strings is code unit order). */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Length of a Go string in bytes (Go's len of a string). */
export const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');
