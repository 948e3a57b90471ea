/**
 * A subset of Masterminds/sprig (plus Helm's `required` and `fail`), with sprig's argument
 * order (the piped value comes last: `.name | default "x"`) and its forgiving semantics
 * (`atoi "x"` is 0, `b64dec` of bad input returns the decoder's message, `fromJson` of bad
 * input is nil). Typed parameters are checked as Go would check the Go signatures.
 */
import { createHash } from 'node:crypto';
import { formatV } from './fmt.js';
import { FuncError, type FuncSpec, type ParamKind } from './funcs.js';
import { goQuote } from './lex.js';
import {
  Uint8,
  isMap,
  isTrue,
  sortedKeys,
  toGoValue,
  toHostValue,
  unwrap,
  type GoMap,
  type GoValue,
  type NumberMode,
} from './values.js';

const fn = (
  params: ParamKind[],
  variadic: ParamKind | null,
  body: (args: GoValue[]) => GoValue,
  extra: Partial<FuncSpec> = {},
): FuncSpec => ({ params, variadic, fn: (a) => body(a), returnsGoValue: true, ...extra });

/** sprig's strval: strings as they are, anything else as `%v`. */
function strval(v: GoValue): string {
  const u = unwrap(v);
  return typeof u === 'string' ? u : formatV(u ?? null);
}

/** sprig's empty: nil, false, 0, "" and empty collections. */
const empty = (v: GoValue): boolean => !isTrue(v);

function strslice(v: GoValue): string[] {
  const u = unwrap(v);
  if (Array.isArray(u)) return u.filter((e) => unwrap(e) !== null && unwrap(e) !== undefined).map(strval);
  if (u === null || u === undefined) return [];
  return [strval(u)];
}

/** Go's encoding/json output: sorted keys, HTML-sensitive characters escaped. */
function goJson(v: GoValue): string {
  const sorted = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sorted)
      : typeof x === 'object' && x !== null
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sorted((x as Record<string, unknown>)[k])]),
          )
        : x;
  return JSON.stringify(sorted(toHostValue(v))).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** cast.ToInt64 as sprig's `int` uses it: numbers truncate, strings parse (base prefixes allowed), else 0. */
function toInt(v: GoValue): bigint {
  const u = unwrap(v);
  if (typeof u === 'bigint') return u;
  if (u instanceof Uint8) return BigInt(u.value);
  if (typeof u === 'number') return Number.isFinite(u) ? BigInt(Math.trunc(u)) : 0n;
  if (typeof u === 'boolean') return u ? 1n : 0n;
  if (typeof u === 'string') {
    const s = u.replace(/\.0*$/, '');
    if (/^[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[0-9]+)$/.test(s)) {
      const neg = s.startsWith('-');
      const body = s.replace(/^[+-]/, '');
      const normalized = /^0[0-7]+$/.test(body) ? `0o${body.slice(1)}` : body;
      try {
        const n = BigInt(normalized);
        return neg ? -n : n;
      } catch {
        return 0n;
      }
    }
  }
  return 0n;
}

export function sprigFuncs(numbers: NumberMode): Map<string, FuncSpec> {
  const str = (f: (s: string) => string) => fn(['string'], null, (a) => f(a[0] as string));
  const pair = (f: (a: string, b: string) => GoValue) =>
    fn(['string', 'string'], null, (a) => f(a[0] as string, a[1] as string));
  return new Map<string, FuncSpec>([
    ['default', fn(['any'], 'any', (a) => (a.length < 2 || empty(a[1]) ? a[0]! : a[1]!))],
    ['empty', fn(['any'], null, (a) => empty(a[0]))],
    ['coalesce', fn([], 'any', (a) => a.find((v) => !empty(v)) ?? null)],
    ['ternary', fn(['any', 'any', 'bool'], null, (a) => (a[2] ? a[0]! : a[1]!))],
    [
      'quote',
      fn([], 'any', (a) =>
        a
          .filter((v) => v !== null)
          .map((v) => goQuote(strval(v)))
          .join(' '),
      ),
    ],
    [
      'squote',
      fn([], 'any', (a) =>
        a
          .filter((v) => v !== null)
          .map((v) => `'${strval(v)}'`)
          .join(' '),
      ),
    ],
    ['upper', str((s) => s.toUpperCase())],
    ['lower', str((s) => s.toLowerCase())],
    ['trim', str((s) => s.replace(/^[\s\u0085\u00a0]+|[\s\u0085\u00a0]+$/gu, ''))],
    ['trimPrefix', pair((prefix, s) => (s.startsWith(prefix) ? s.slice(prefix.length) : s))],
    ['trimSuffix', pair((suffix, s) => (suffix !== '' && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s))],
    [
      'replace',
      fn(['string', 'string', 'string'], null, (a) => (a[2] as string).replaceAll(a[0] as string, a[1] as string)),
    ],
    ['contains', pair((sub, s) => s.includes(sub))],
    ['hasPrefix', pair((prefix, s) => s.startsWith(prefix))],
    ['hasSuffix', pair((suffix, s) => s.endsWith(suffix))],
    [
      'split',
      pair((sep, s) => {
        const out: GoMap = Object.create(null) as GoMap;
        goSplit(s, sep).forEach((part, i) => (out[`_${i}`] = part));
        return out;
      }),
    ],
    ['splitList', pair((sep, s) => goSplit(s, sep))],
    ['join', fn(['string', 'any'], null, (a) => strslice(a[1]).join(a[0] as string))],
    ['list', fn([], 'any', (a) => [...a])],
    [
      'dict',
      fn([], 'any', (a) => {
        const out: GoMap = Object.create(null) as GoMap;
        for (let i = 0; i < a.length; i += 2) out[strval(a[i])] = i + 1 < a.length ? a[i + 1]! : '';
        return out;
      }),
    ],
    [
      'get',
      fn(['map', 'string'], null, (a) =>
        isMap(a[0]) && Object.hasOwn(a[0], a[1] as string) ? a[0][a[1] as string]! : '',
      ),
    ],
    ['hasKey', fn(['map', 'string'], null, (a) => isMap(a[0]) && Object.hasOwn(a[0], a[1] as string))],
    // Go's map order is random, so sprig's keys is unordered; ours is sorted (stable output).
    ['keys', fn([], 'map', (a) => a.flatMap((m) => (isMap(m) ? sortedKeys(m) : [])))],
    ['toJson', fn(['any'], null, (a) => goJson(a[0]))],
    [
      'fromJson',
      fn(['string'], null, (a) => {
        try {
          return toGoValue(JSON.parse(a[0] as string), numbers);
        } catch {
          // sprig's fromJson swallows the error (mustFromJson reports it); never echo the input.
          return null;
        }
      }),
    ],
    ['b64enc', str((s) => Buffer.from(s, 'utf8').toString('base64'))],
    ['b64dec', str(b64dec)],
    ['indent', fn(['int', 'string'], null, (a) => indent(Number(a[0]), a[1] as string))],
    ['nindent', fn(['int', 'string'], null, (a) => '\n' + indent(Number(a[0]), a[1] as string))],
    [
      'required',
      fn(
        ['string', 'any'],
        null,
        (a) => {
          const v = a[1];
          if (v === null || v === undefined || v === '') throw new FuncError(a[0] as string);
          return v;
        },
        { messageArg: 0 },
      ),
    ],
    [
      'fail',
      fn(
        ['string'],
        null,
        (a) => {
          throw new FuncError(a[0] as string);
        },
        { messageArg: 0 },
      ),
    ],
    ['toString', fn(['any'], null, (a) => strval(a[0]))],
    ['atoi', fn(['string'], null, (a) => atoi(a[0] as string))],
    ['int', fn(['any'], null, (a) => toInt(a[0]))],
    ['sha256sum', str((s) => createHash('sha256').update(s, 'utf8').digest('hex'))],
  ]);
}

/** strings.Split: an empty separator splits into UTF-8 sequences (characters). */
function goSplit(s: string, sep: string): string[] {
  return sep === '' ? [...s] : s.split(sep);
}

/** strconv.Atoi with sprig's error-swallowing: anything unparsable is 0. */
function atoi(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) return 0n;
  const n = BigInt(s);
  return n < 2n ** 63n && n >= -(2n ** 63n) ? n : 0n;
}

function indent(spaces: number, v: string): string {
  const pad = ' '.repeat(Math.max(0, spaces));
  return pad + v.replaceAll('\n', '\n' + pad);
}

function b64dec(s: string): string {
  const clean = /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
  if (!clean) {
    const bad = s.search(/[^A-Za-z0-9+/=]/);
    const at = bad >= 0 ? bad : Math.floor(s.replace(/=+$/, '').length / 4) * 4;
    return `illegal base64 data at input byte ${at}`;
  }
  return Buffer.from(s, 'base64').toString('utf8');
}
