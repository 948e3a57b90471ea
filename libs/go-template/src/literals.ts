/**
 * Go literal syntax: numbers (as strconv.ParseInt/ParseFloat with base prefixes and
 * underscores), quoted and raw strings, and character constants.
 */

export interface ParsedNumber {
  isInt: boolean;
  isFloat: boolean;
  int: bigint;
  float: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's underscoreOK: underscores only between digits, or between a base prefix and a digit. */
function underscoreOK(text: string): boolean {
  let s = text;
  let saw = '^';
  let i = 0;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseInt(text, 0, 64); null when it would fail. */
function parseInt64(text: string): bigint | null {
  let s = text;
  let negative = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  let base = 10;
  let digits = s;
  if (s.startsWith('0') && s.length > 1) {
    const p = s[1]!.toLowerCase();
    if (p === 'x' || p === 'o' || p === 'b') {
      base = p === 'x' ? 16 : p === 'o' ? 8 : 2;
      digits = s.slice(2);
    } else {
      base = 8;
      digits = s.slice(1);
    }
  }
  if (digits.includes('_') && !underscoreOK(text)) return null;
  digits = digits.replaceAll('_', '');
  if (digits === '') return null;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (!valid.test(digits)) return null;
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base as 2 | 8 | 10 | 16];
  let n = BigInt(prefix + digits);
  if (negative) n = -n;
  return n >= INT64_MIN && n <= INT64_MAX ? n : null;
}

/** strconv.ParseFloat(text, 64) for decimal syntax (hex floats are parsed by value too). */
function parseFloat64(text: string): number | null {
  if (text.includes('_') && !underscoreOK(text)) return null;
  const s = text.replaceAll('_', '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const f = Number(s);
    return Number.isFinite(f) ? f : null;
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s);
  if (hex && (hex[2] || hex[3])) {
    const mantissa = parseInt((hex[2] ?? '') + (hex[3] ?? ''), 16) / 16 ** (hex[3] ?? '').length;
    const f = (hex[1] === '-' ? -1 : 1) * mantissa * 2 ** Number(hex[4]);
    return Number.isFinite(f) ? f : null;
  }
  return null;
}

/** A number constant as Go's parse.newNumber reads it, or the error text. */
export function parseGoNumber(text: string): ParsedNumber | string {
  const i = parseInt64(text);
  if (i !== null) return { isInt: true, isFloat: true, int: i, float: Number(i) };
  const f = parseFloat64(text);
  if (f === null) return `illegal number syntax: ${JSON.stringify(text)}`;
  if (!/[.eEpP]/.test(text)) return `integer overflow: ${JSON.stringify(text)}`;
  const isInt = Number.isInteger(f) && BigInt(f) >= INT64_MIN && BigInt(f) < 2n ** 63n;
  return { isInt, isFloat: true, int: isInt ? BigInt(f) : 0n, float: f };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** Reads one (possibly escaped) character at `i`; returns it and the next index, or null. */
function readChar(s: string, i: number, quote: string): [string, number] | null {
  const c = s[i];
  if (c === undefined) return null;
  if (c !== '\\') {
    if (c === quote || c === '\n') return null;
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    return [ch, i + ch.length];
  }
  const e = s[i + 1];
  if (e === undefined) return null;
  if (e in SIMPLE_ESCAPES) return [SIMPLE_ESCAPES[e]!, i + 2];
  if (e === quote) return [e, i + 2];
  const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const hex = s.slice(i + 2, i + 2 + hexLen);
    if (hex.length !== hexLen || !/^[0-9a-fA-F]+$/.test(hex)) return null;
    const cp = parseInt(hex, 16);
    if (e !== 'x' && (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))) return null;
    // \x is a byte: Go strings are bytes, ours are UTF-16, so bytes ≥ 0x80 become Latin-1 characters.
    return [String.fromCodePoint(cp), i + 2 + hexLen];
  }
  if (e >= '0' && e <= '7') {
    const oct = s.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) return null;
    return [String.fromCodePoint(parseInt(oct, 8)), i + 4];
  }
  return null;
}

/** strconv.Unquote for "…" and `…` strings; null on bad syntax. */
export function unquoteGoString(quoted: string): string | null {
  if (quoted.startsWith('`')) {
    if (quoted.length < 2 || !quoted.endsWith('`')) return null;
    return quoted.slice(1, -1).replaceAll('\r', '');
  }
  if (quoted.length < 2 || !quoted.startsWith('"') || !quoted.endsWith('"')) return null;
  const body = quoted.slice(0, -1);
  let out = '';
  let i = 1;
  while (i < body.length) {
    const r = readChar(body, i, '"');
    if (!r) return null;
    out += r[0];
    i = r[1];
  }
  return out;
}

/** The code point of a Go character constant such as 'a' or '\n', or Go's error text. */
export function unquoteChar(quoted: string): number | string {
  const r = readChar(quoted, 1, "'");
  if (!r) return 'invalid syntax';
  if (quoted.slice(r[1]) !== "'") return `malformed character constant: ${quoted}`;
  return r[0].codePointAt(0)!;
}
