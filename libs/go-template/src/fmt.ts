/**
 * Go's fmt for the value kinds a template sees: Sprint, Sprintln, Sprintf with verbs, flags,
 * width, precision, argument indexes and Go's error notations (%!d(string=x), %!d(MISSING),
 * %!(EXTRA …)). Floats are rounded from their exact binary value, half to even, as strconv does.
 */
import { goQuote } from './lex.js';
import { Uint8, isMap, sortedKeys, typeName, unwrap, type GoValue } from './values.js';

interface Flags {
  /** `%#v` (Go syntax); Go moves `#` here for the v verb, so `sharp` means the other verbs' `#`. */
  sharpV?: boolean;
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | null;
  prec: number | null;
}

const NO_FLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: null, prec: null };

// --- floats ----------------------------------------------------------------------------------

/** Decimal digits of |f| with value 0.DIGITS × 10^dp, no trailing zeros. */
interface Digits {
  d: string;
  dp: number;
}

/** The exact decimal expansion of a finite double. */
function exactDigits(f: number): Digits {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(f));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  if (mant === 0n) return { d: '', dp: 0 };
  let s: string;
  let dp: number;
  if (exp >= 0) {
    s = (mant << BigInt(exp)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-exp)).toString();
    dp = s.length + exp;
  }
  return trimZeros({ d: s, dp });
}

function trimZeros(x: Digits): Digits {
  let end = x.d.length;
  while (end > 0 && x.d[end - 1] === '0') end--;
  return { d: x.d.slice(0, end), dp: end === 0 ? 0 : x.dp };
}

/** The shortest digits that read back as f (Go's shortest formatting; JS computes the same). */
function shortestDigits(f: number): Digits {
  if (f === 0) return { d: '', dp: 0 };
  const [m, e] = Math.abs(f).toExponential().split('e') as [string, string];
  return trimZeros({ d: m.replace('.', ''), dp: Number(e) + 1 });
}

/** strconv's decimal.Round: to nd digits, half to even on an exact tie. */
function roundDigits(x: Digits, nd: number): Digits {
  if (nd < 0 || nd >= x.d.length) return x;
  const next = x.d[nd]!;
  const up = next === '5' && nd + 1 === x.d.length ? nd > 0 && Number(x.d[nd - 1]) % 2 === 1 : next >= '5';
  if (!up) return trimZeros({ d: x.d.slice(0, nd), dp: x.dp });
  const digits = x.d.slice(0, nd).split('');
  let i = nd - 1;
  while (i >= 0 && digits[i] === '9') i--;
  if (i < 0) return { d: '1', dp: x.dp + 1 };
  digits[i] = String(Number(digits[i]) + 1);
  return trimZeros({ d: digits.slice(0, i + 1).join(''), dp: x.dp });
}

function fmtE(x: Digits, prec: number, e: 'e' | 'E'): string {
  let s = x.d.length > 0 ? x.d[0]! : '0';
  if (prec > 0) s += '.' + x.d.slice(1, 1 + prec).padEnd(prec, '0');
  const exp = x.d.length === 0 ? 0 : x.dp - 1;
  const abs = Math.abs(exp);
  return `${s}${e}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function fmtF(x: Digits, prec: number): string {
  let s = x.dp > 0 ? x.d.slice(0, x.dp).padEnd(x.dp, '0') : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = x.dp + i - 1;
      s += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return s;
}

function fmtHexFloat(f: number, prec: number, upper: boolean): string {
  const abs = Math.abs(f);
  let mantissa = 0n;
  let exp = 0;
  if (abs !== 0) {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, abs);
    const bits = view.getBigUint64(0);
    const biased = Number((bits >> 52n) & 0x7ffn);
    mantissa = bits & ((1n << 52n) - 1n);
    exp = biased - 1023;
    if (biased === 0) {
      // Subnormal: shift until the leading bit is the implicit one.
      exp = -1022;
      while ((mantissa & (1n << 52n)) === 0n) {
        mantissa <<= 1n;
        exp--;
      }
      mantissa &= (1n << 52n) - 1n;
    }
  }
  let frac = mantissa.toString(16).padStart(13, '0');
  let lead = abs === 0 ? '0' : '1';
  if (prec >= 0 && prec < 13) {
    // Round the fraction to prec hex digits, half to even.
    const shift = BigInt((13 - prec) * 4);
    const full = (abs === 0 ? 0n : 1n << 52n) | mantissa;
    const half = 1n << (shift - 1n);
    let q = full >> shift;
    const rem = full & ((1n << shift) - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
    if (q >> BigInt(prec * 4) >= 2n) {
      q >>= 1n;
      exp++;
    }
    lead = (q >> BigInt(prec * 4)).toString(16);
    frac = prec === 0 ? '' : (q & ((1n << BigInt(prec * 4)) - 1n)).toString(16).padStart(prec, '0');
  } else {
    frac = frac.replace(/0+$/, '');
    if (prec > 13) frac = frac.padEnd(prec, '0');
  }
  const abse = Math.abs(exp);
  let s = `0x${lead}${frac ? '.' + frac : ''}p${exp < 0 ? '-' : '+'}${abse < 10 ? '0' : ''}${abse}`;
  if (upper) s = s.toUpperCase();
  return s;
}

/** strconv.FormatFloat(f, verb, prec, 64) without the sign. */
function formatFloatAbs(f: number, verb: string, prec: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return 'Inf';
  if (verb === 'x' || verb === 'X') return fmtHexFloat(f, prec, verb === 'X');
  if (verb === 'b') {
    const d = exactDigits(f);
    void d;
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, Math.abs(f));
    const bits = view.getBigUint64(0);
    const biased = Number((bits >> 52n) & 0x7ffn);
    let mant = bits & ((1n << 52n) - 1n);
    let exp = -1074;
    if (biased !== 0) {
      mant |= 1n << 52n;
      exp = biased - 1075;
    }
    return `${mant}p${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
  }
  const shortest = prec < 0;
  let digs: Digits;
  const lower = verb.toLowerCase();
  if (shortest) {
    digs = shortestDigits(f);
    if (lower === 'e') prec = Math.max(digs.d.length - 1, 0);
    else if (lower === 'f') prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else {
    const exact = exactDigits(f);
    if (lower === 'e') digs = roundDigits(exact, prec + 1);
    else if (lower === 'f') digs = roundDigits(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      digs = roundDigits(exact, prec);
    }
  }
  if (lower === 'e') return fmtE(digs, prec, verb === 'E' ? 'E' : 'e');
  if (lower === 'f') return fmtF(digs, prec);
  // %g
  let eprec = prec;
  if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (digs.d.length > 0 && (exp < -4 || exp >= eprec)) {
    if (prec > digs.d.length) prec = digs.d.length;
    return fmtE(digs, prec - 1, verb === 'G' ? 'E' : 'e');
  }
  if (prec > digs.dp) prec = digs.d.length;
  return fmtF(digs, Math.max(prec - digs.dp, 0));
}

// --- padding and numbers ---------------------------------------------------------------------

const runeCount = (s: string): number => [...s].length;

function pad(s: string, flags: Flags): string {
  const width = flags.width ?? 0;
  const n = width - runeCount(s);
  if (n <= 0) return s;
  if (flags.minus) return s + ' '.repeat(n);
  return (flags.zero ? '0' : ' ').repeat(n) + s;
}

/** Pads a signed number, putting zero padding between the sign and the digits. */
function padNumber(sign: string, body: string, flags: Flags): string {
  if (flags.zero && !flags.minus && flags.width !== null) {
    const n = flags.width - runeCount(sign + body);
    if (n > 0) return sign + '0'.repeat(n) + body;
    return sign + body;
  }
  return pad(sign + body, { ...flags, zero: false });
}

function signOf(negative: boolean, flags: Flags): string {
  if (negative) return '-';
  if (flags.plus) return '+';
  if (flags.space) return ' ';
  return '';
}

/** fmt's `#` for floats: always a decimal point, and %g keeps its trailing zeros. */
function alternateFloat(num: string, verb: string, prec: number): string {
  let digits = 'vgGx'.includes(verb) ? (prec === -1 ? 6 : prec) : 0;
  let tail = '';
  let body = num;
  const cut = body.search(verb === 'x' || verb === 'X' ? /[pP]/ : /[eEpP]/);
  if (cut >= 0) {
    tail = body.slice(cut);
    body = body.slice(0, cut);
  }
  let sawNonzero = false;
  for (const c of body) {
    if (c === '.') continue;
    if (c !== '0') sawNonzero = true;
    if (sawNonzero) digits--;
  }
  if (!body.includes('.')) {
    if (body === '0') digits--;
    body += '.';
  }
  return body + '0'.repeat(Math.max(0, digits)) + tail;
}

function formatFloat(f: number, verb: string, flags: Flags): string {
  const defaultPrec =
    verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x' || verb === 'X' || verb === 'b' ? -1 : 6;
  const prec = flags.prec ?? defaultPrec;
  let body = formatFloatAbs(f, verb === 'v' ? 'g' : verb, prec);
  if (flags.sharp && verb !== 'b' && Number.isFinite(f)) body = alternateFloat(body, verb, prec);
  const negative = f < 0 || Object.is(f, -0);
  if (!Number.isFinite(f)) {
    // Infinities and NaN never zero-pad.
    const sign = Number.isNaN(f) ? (flags.plus ? '+' : flags.space ? ' ' : '') : signOf(negative, flags);
    return pad(sign + body, { ...flags, zero: false });
  }
  return padNumber(signOf(negative, flags), body, flags);
}

/** A code point as Go's rune conversion sees it: invalid ones become U+FFFD. */
const validRune = (n: bigint): number =>
  n < 0n || n > 0x10ffffn || (n >= 0xd800n && n < 0xe000n) ? 0xfffd : Number(n);

function quoteRune(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  return `'${goQuote(ch).slice(1, -1)}'`;
}

function formatInteger(n: bigint, verb: string, flags: Flags): string | null {
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let body: string;
  let prefix = '';
  switch (verb) {
    case 'd':
    case 'v':
      body = abs.toString();
      break;
    case 'b':
      body = abs.toString(2);
      if (flags.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      body = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (flags.sharp) prefix = '0';
      break;
    case 'x':
    case 'X':
      body = abs.toString(16);
      if (verb === 'X') body = body.toUpperCase();
      if (flags.sharp) prefix = verb === 'x' ? '0x' : '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(validRune(n)), flags);
    case 'q':
      return pad(quoteRune(validRune(n)), flags);
    case 'U': {
      // Go formats the value as a uint64: a negative int shows its two's complement.
      const u = n < 0n ? n + 2n ** 64n : n;
      const digits = Math.max(4, flags.prec ?? 0);
      let s = 'U+' + u.toString(16).toUpperCase().padStart(digits, '0');
      if (flags.sharp && u <= 0x10ffffn && /^\P{C}$/u.test(String.fromCodePoint(validRune(u)))) {
        s += ` '${String.fromCodePoint(Number(u))}'`;
      }
      return pad(s, { ...flags, zero: false });
    }
    default:
      return null;
  }
  if (flags.prec !== null) {
    if (flags.prec === 0 && n === 0n) body = '';
    else body = body.padStart(flags.prec, '0');
    return pad(signOf(negative, flags) + prefix + body, { ...flags, zero: false });
  }
  if (prefix === '0' && body.startsWith('0')) prefix = '';
  return padNumber(signOf(negative, flags) + prefix, body, flags);
}

function formatString(s: string, verb: string, flags: Flags): string | null {
  switch (verb) {
    case 'v':
    case 's':
      return pad(flags.prec !== null ? [...s].slice(0, flags.prec).join('') : s, flags);
    case 'q':
      return pad(goQuote(flags.prec !== null ? [...s].slice(0, flags.prec).join('') : s), flags);
    case 'x':
    case 'X': {
      let bytes = [...Buffer.from(s, 'utf8')];
      if (flags.prec !== null) bytes = bytes.slice(0, flags.prec);
      let hex = bytes.map((b) => {
        const h = b.toString(16).padStart(2, '0');
        return flags.sharp ? `0x${h}` : h;
      });
      if (verb === 'X') hex = hex.map((h) => h.toUpperCase());
      return pad(hex.join(flags.space ? ' ' : ''), flags);
    }
    default:
      return null;
  }
}

// --- values ----------------------------------------------------------------------------------

/** `%!d(string=x)`: the value is printed with %v but keeps the verb's width, precision and sign flags. */
function badVerb(verb: string, v: GoValue, flags: Flags = NO_FLAGS): string {
  const u = unwrap(v);
  if (u === null || u === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(u)}=${formatValue(u, 'v', flags, false)})`;
}

/** Go syntax for %#v. */
function goSyntax(v: GoValue, top: boolean): string {
  const u = unwrap(v);
  if (u === null || u === undefined) return top ? '<nil>' : 'interface {}(nil)';
  if (typeof u === 'string') return goQuote(u);
  if (typeof u === 'number') {
    const s = formatFloatAbs(u, 'g', -1);
    return (u < 0 || Object.is(u, -0) ? '-' : '') + s;
  }
  if (typeof u === 'bigint' || typeof u === 'boolean') return String(u);
  if (u instanceof Uint8) return `0x${u.value.toString(16)}`;
  if (typeof u === 'function') return '(func(...interface {}) (interface {}, error))(nil)';
  if (Array.isArray(u)) return `[]interface {}{${u.map((e) => goSyntax(e, false)).join(', ')}}`;
  return `map[string]interface {}{${sortedKeys(u)
    .map((k) => `${goQuote(k)}:${goSyntax(u[k], false)}`)
    .join(', ')}}`;
}

/** Formats one value with one verb, recursing into slices and maps as fmt's printValue does. */
function formatValue(v: GoValue, verb: string, flags: Flags, top: boolean): string {
  const u = unwrap(v);
  if (verb === 'T') return pad(typeName(u), flags);
  if (verb === 'v' && flags.sharpV) return goSyntax(u, top);
  if (u instanceof Uint8) return formatInteger(BigInt(u.value), verb, flags) ?? badVerb(verb, u, flags);
  if (u === null || u === undefined) {
    // A nil inside a slice or map is written as is, without padding, whatever the verb.
    if (!top) return '<nil>';
    if (verb === 'v') return pad('<nil>', flags);
    return badVerb(verb, u, flags);
  }
  switch (typeof u) {
    case 'boolean':
      return verb === 't' || verb === 'v' ? pad(String(u), flags) : badVerb(verb, u, flags);
    case 'bigint':
      return formatInteger(u, verb, flags) ?? badVerb(verb, u, flags);
    case 'number':
      return 'beEfFgGxXv'.includes(verb) ? formatFloat(u, verb, flags) : badVerb(verb, u, flags);
    case 'string':
      return formatString(u, verb, flags) ?? badVerb(verb, u, flags);
    case 'function':
      return verb === 'v' || verb === 'p' ? pad('0xc000010000', flags) : badVerb(verb, u, flags);
    default:
      break;
  }
  if (Array.isArray(u)) return `[${u.map((e) => formatValue(e, verb, flags, false)).join(' ')}]`;
  if (isMap(u)) {
    const parts = sortedKeys(u).map(
      (k) => `${formatValue(k, verb, flags, false)}:${formatValue(u[k], verb, flags, false)}`,
    );
    return `map[${parts.join(' ')}]`;
  }
  return badVerb(verb, u, flags);
}

/** `%v` of a value, as `{{.}}` prints it. */
export const formatV = (v: GoValue): string => formatValue(v, 'v', NO_FLAGS, true);

/** Go's fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  args.forEach((a, i) => {
    const isString = typeof unwrap(a) === 'string';
    if (i > 0 && !isString && typeof unwrap(args[i - 1]) !== 'string') out += ' ';
    out += formatValue(a, 'v', NO_FLAGS, true);
  });
  return out;
}

/** Go's fmt.Sprintln: spaces between all operands and a newline. */
export function sprintln(args: readonly GoValue[]): string {
  return args.map((a) => formatValue(a, 'v', NO_FLAGS, true)).join(' ') + '\n';
}

/** Go's fmt.Sprintf. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let i = 0;
  const n = format.length;

  /** Parses `[n]` at i; returns the zero-based index or null if malformed. */
  const argIndex = (): number | null | undefined => {
    if (format[i] !== '[') return undefined;
    reordered = true;
    const close = format.indexOf(']', i);
    const inner = close < 0 ? '' : format.slice(i + 1, close);
    if (close < 0 || !/^\d+$/.test(inner)) {
      i = close < 0 ? n : close + 1;
      return null;
    }
    i = close + 1;
    const k = Number(inner) - 1;
    return k >= 0 && k <= args.length ? k : null;
  };

  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const flags: Flags = { ...NO_FLAGS };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '#') flags.sharp = true;
      else if (c === '0') flags.zero = true;
      else if (c === '+') flags.plus = true;
      else if (c === '-') flags.minus = true;
      else if (c === ' ') flags.space = true;
      else break;
    }
    let badIndex = false;
    let idx = argIndex();
    if (idx === null) badIndex = true;
    else if (idx !== undefined) argNum = idx;
    // Width: digits or *.
    if (format[i] === '*') {
      i++;
      const w = unwrap(args[argNum]);
      argNum++;
      if (typeof w === 'bigint') {
        flags.width = Number(w < 0n ? -w : w);
        if (w < 0n) flags.minus = true;
      } else {
        out += '%!(BADWIDTH)';
      }
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        flags.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (format[i] === '.') {
      i++;
      idx = argIndex();
      if (idx === null) badIndex = true;
      else if (idx !== undefined) argNum = idx;
      if (format[i] === '*') {
        i++;
        const p = unwrap(args[argNum]);
        argNum++;
        if (typeof p === 'bigint' && p >= 0n) flags.prec = Number(p);
        else out += '%!(BADPREC)';
      } else {
        const m = /^\d+/.exec(format.slice(i));
        flags.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    idx = argIndex();
    if (idx === null) badIndex = true;
    else if (idx !== undefined) argNum = idx;
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (verb === 'v') {
      // %+v and %#v are variants of %v (struct field names, Go syntax), not sign and alternate flags.
      flags.sharpV = flags.sharp;
      flags.sharp = false;
      flags.plus = false;
    }
    if (badIndex) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    if (verb === 'w') {
      out += badVerb(verb, args[argNum]);
      argNum++;
      continue;
    }
    out += formatValue(args[argNum], verb, flags, true);
    argNum++;
  }
  if (!reordered && argNum < args.length) {
    const extra = args.slice(argNum).map((a) => {
      const u = unwrap(a);
      return u === null || u === undefined ? '<nil>' : `${typeName(u)}=${formatValue(u, 'v', NO_FLAGS, true)}`;
    });
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
