/**
 * Go's built-in template functions (text/template/funcs.go), kept apart from user functions.
 * Each is described by its parameter kinds so the executor can check arity and argument types
 * with Go's messages; a thrown FuncError becomes `error calling NAME: …`.
 */
import { formatV, sprint, sprintf, sprintln } from './fmt.js';
import { Uint8, byteLength, isMap, isTrue, typeName, unwrap, type GoValue } from './values.js';

/**
 * How an argument is passed:
 * - 'value': as Go's reflect.Value parameters — a missing value stays `undefined`.
 * - 'any': as `interface{}` — a missing value becomes nil (`null`).
 * - 'string', 'int', 'bool', 'map': a typed parameter; other values are rejected with Go's
 *   messages (`wrong type for value; expected string; got float64`).
 */
export type ParamKind = 'value' | 'any' | 'string' | 'int' | 'bool' | 'map';

/** Go's name for a typed parameter kind. */
export const PARAM_TYPE_NAMES: Record<'string' | 'int' | 'bool' | 'map', string> = {
  string: 'string',
  int: 'int',
  bool: 'bool',
  map: 'map[string]interface {}',
};

export interface FuncSpec {
  params: readonly ParamKind[];
  /** Kind of the variadic tail, or null for a fixed arity. */
  variadic: ParamKind | null;
  fn: (args: GoValue[], call: CallInfo) => unknown;
  /** True for functions that take and return Go values (built-ins, sprig); user functions get
   * plain JavaScript values and their results are converted. */
  returnsGoValue?: boolean;
  /** For functions whose error text is one of their arguments (`required`, `fail`): that
   * argument's index. The text is then shown unless that argument itself is a secret. */
  messageArg?: number;
}

export interface CallInfo {
  /** Template text of each argument node (Go's `call` names its callee with it). */
  argText: (i: number) => string;
}

/** An error a function reports; the executor adds `error calling NAME: `. */
export class FuncError extends Error {
  override name = 'FuncError';
}

// --- comparison ------------------------------------------------------------------------------

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

function basicKind(v: GoValue): Kind {
  const u = unwrap(v);
  if (u instanceof Uint8) return 'uint';
  switch (typeof u) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    default:
      return 'invalid';
  }
}

const isInteger = (k: Kind): boolean => k === 'int' || k === 'uint';
const intValue = (v: GoValue): bigint => (v instanceof Uint8 ? BigInt(v.value) : (v as bigint));

const incompatible = (a: GoValue, b: GoValue): FuncError =>
  new FuncError(`incompatible types for comparison: ${typeName(a)} and ${typeName(b)}`);

const isValid = (v: GoValue): boolean => unwrap(v) !== undefined && unwrap(v) !== null;

export function eq(arg1: GoValue, ...rest: GoValue[]): boolean {
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const a = unwrap(arg1);
  const k1 = basicKind(a);
  for (const argRaw of rest) {
    const b = unwrap(argRaw);
    const k2 = basicKind(b);
    let truth = false;
    if (isInteger(k1) && isInteger(k2)) {
      // Go compares integers across signedness.
      truth = intValue(a) === intValue(b);
    } else if (k1 !== k2) {
      if (isValid(a) && isValid(b)) throw incompatible(a, b);
    } else if (k1 !== 'invalid') {
      truth = a === b;
    } else {
      const aNil = !isValid(a);
      const bNil = !isValid(b);
      if (aNil || bNil) truth = aNil === bNil;
      else if (Array.isArray(a) !== Array.isArray(b)) {
        throw new FuncError(
          `non-comparable types ${sprintf('%s', [a])}: ${typeName(a)}, ${typeName(b)}: ${sprintf('%v', [b])}`,
        );
      } else throw new FuncError(`non-comparable type ${sprintf('%s', [b])}: ${typeName(b)}`);
    }
    if (truth) return true;
  }
  return false;
}

export function lt(arg1: GoValue, arg2: GoValue): boolean {
  const a = unwrap(arg1);
  const b = unwrap(arg2);
  const k1 = basicKind(a);
  if (k1 === 'invalid') throw new FuncError('invalid type for comparison');
  const k2 = basicKind(b);
  if (k2 === 'invalid') throw new FuncError('invalid type for comparison');
  if (isInteger(k1) && isInteger(k2)) return intValue(a) < intValue(b);
  if (k1 !== k2) throw incompatible(a, b);
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  if (k1 === 'string') return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
  return (a as number | bigint) < (b as number | bigint);
}

const le = (a: GoValue, b: GoValue): boolean => lt(a, b) || eq(a, b);

// --- indexing --------------------------------------------------------------------------------

function indexArg(index: GoValue, cap: number): number {
  const raw = unwrap(index);
  if (raw === undefined || raw === null) throw new FuncError('cannot index slice/array with nil');
  const x = raw instanceof Uint8 ? BigInt(raw.value) : raw;
  if (typeof x !== 'bigint') throw new FuncError(`cannot index slice/array with type ${typeName(x)}`);
  if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
  return Number(x);
}

function index(item: GoValue, ...indexes: GoValue[]): GoValue {
  let cur = unwrap(item);
  if (cur === undefined) throw new FuncError('index of untyped nil');
  let first = true;
  for (const ix of indexes) {
    if (cur === null) throw new FuncError(first ? 'index of untyped nil' : 'index of nil pointer');
    first = false;
    if (typeof cur === 'string' || Array.isArray(cur)) {
      const bytes: Buffer | null = typeof cur === 'string' ? Buffer.from(cur, 'utf8') : null;
      const len: number = bytes ? bytes.length : (cur as GoValue[]).length;
      const x = indexArg(ix, len);
      // Go's reflect panics here rather than index's own range check.
      if (x === len) throw new FuncError(`reflect: ${bytes ? 'string' : 'slice'} index out of range`);
      cur = bytes ? new Uint8(bytes[x]!) : unwrap((cur as GoValue[])[x]);
    } else if (isMap(cur)) {
      const key = unwrap(ix);
      if (key === undefined || key === null) throw new FuncError('value is nil; should be of type string');
      if (typeof key !== 'string') throw new FuncError(`value has type ${typeName(key)}; should be string`);
      cur = Object.hasOwn(cur, key) ? unwrap(cur[key]) : null;
    } else {
      throw new FuncError(`can't index item of type ${typeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: GoValue, ...indexes: GoValue[]): GoValue {
  const u = unwrap(item);
  if (u === undefined || u === null) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof u === 'string') {
    if (indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
    len = byteLength(u);
  } else if (Array.isArray(u)) {
    len = u.length;
  } else {
    throw new FuncError(`can't slice item of type ${typeName(u)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((ix, i) => (idx[i] = indexArg(ix, len)));
  if (idx[0]! > idx[1]!) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new FuncError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof u === 'string') return Buffer.from(u, 'utf8').subarray(idx[0], idx[1]).toString('utf8');
  return u.slice(idx[0], idx[1]);
}

function length(item: GoValue): bigint {
  const u = unwrap(item);
  if (u === null) throw new FuncError('len of nil pointer');
  if (u === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  if (typeof u === 'string') return BigInt(byteLength(u));
  if (Array.isArray(u)) return BigInt(u.length);
  if (isMap(u)) return BigInt(Object.keys(u).length);
  throw new FuncError(`len of type ${typeName(u)}`);
}

// --- escaping --------------------------------------------------------------------------------

/** Go's evalArgs for the escapers: a lone string as is, anything else through Sprint, with
 * nil shown as Go's printableValue shows it ("<no value>"). */
function escaperText(args: GoValue[]): string {
  if (args.length === 1 && typeof unwrap(args[0]) === 'string') return unwrap(args[0]) as string;
  return sprint(args.map((a) => (unwrap(a) === null || unwrap(a) === undefined ? '<no value>' : a)));
}

export function htmlEscape(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) =>
    c === '<'
      ? '&lt;'
      : c === '>'
        ? '&gt;'
        : c === '&'
          ? '&amp;'
          : c === "'"
            ? '&#39;'
            : c === '"'
              ? '&#34;'
              : '\ufffd',
  );
}

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(ch)) out += ch;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// --- the table -------------------------------------------------------------------------------

const spec = (
  params: ParamKind[],
  variadic: ParamKind | null,
  fn: (args: GoValue[], call: CallInfo) => GoValue,
): FuncSpec => ({ params, variadic, fn, returnsGoValue: true });

/** Go's built-ins. `and`/`or` are listed for arity; the executor short-circuits them itself. */
export const BUILTINS: ReadonlyMap<string, FuncSpec> = new Map<string, FuncSpec>([
  ['and', spec(['value'], 'value', (a) => a[a.length - 1])],
  ['or', spec(['value'], 'value', (a) => a[a.length - 1])],
  [
    'call',
    spec(['value'], 'value', (a, call) => {
      const fn = unwrap(a[0]);
      if (fn === undefined || fn === null) throw new FuncError('call of nil');
      if (typeof fn !== 'function') throw new FuncError(`non-function ${call.argText(0)} of type ${typeName(fn)}`);
      return fn(...a.slice(1).map((x) => unwrap(x) ?? null)) as GoValue;
    }),
  ],
  ['html', spec([], 'any', (a) => htmlEscape(escaperText(a)))],
  ['js', spec([], 'any', (a) => jsEscape(escaperText(a)))],
  ['urlquery', spec([], 'any', (a) => queryEscape(escaperText(a)))],
  ['index', spec(['value'], 'value', (a) => index(a[0], ...a.slice(1)))],
  ['slice', spec(['value'], 'value', (a) => slice(a[0], ...a.slice(1)))],
  ['len', spec(['value'], null, (a) => length(a[0]))],
  ['not', spec(['value'], null, (a) => !isTrue(a[0]))],
  ['print', spec([], 'any', (a) => sprint(a))],
  ['printf', spec(['string'], 'any', (a) => sprintf(unwrap(a[0]) as string, a.slice(1)))],
  ['println', spec([], 'any', (a) => sprintln(a))],
  ['eq', spec(['value'], 'value', (a) => eq(a[0], ...a.slice(1)))],
  ['ne', spec(['value', 'value'], null, (a) => !eq(a[0], a[1]))],
  ['lt', spec(['value', 'value'], null, (a) => lt(a[0], a[1]))],
  ['le', spec(['value', 'value'], null, (a) => le(a[0], a[1]))],
  ['gt', spec(['value', 'value'], null, (a) => !le(a[0], a[1]))],
  ['ge', spec(['value', 'value'], null, (a) => !lt(a[0], a[1]))],
]);

/** `%v` text of a value, for messages that must show one (never used for sensitive values). */
export const describe = (v: GoValue): string => formatV(v);
