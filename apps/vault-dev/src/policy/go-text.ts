/**
 * Small pieces of Go's text formatting that Vault's error messages depend on.
 * Private to the policy module.
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Go's `strconv.Quote` (what `%q` prints for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') {
      out += '\\' + ch;
    } else if (PRINTABLE.test(ch)) {
      out += ch;
    } else {
      switch (ch) {
        case '\x07':
          out += '\\a';
          break;
        case '\b':
          out += '\\b';
          break;
        case '\f':
          out += '\\f';
          break;
        case '\n':
          out += '\\n';
          break;
        case '\r':
          out += '\\r';
          break;
        case '\t':
          out += '\\t';
          break;
        case '\v':
          out += '\\v';
          break;
        default:
          if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
          else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
          else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
          else out += '\\U' + hex(cp, 8);
      }
    }
  }
  return out + '"';
}

/**
 * The `quote` helper of Go's `time` package (used in `time.ParseDuration`
 * errors): ASCII is kept (with `"` and `\` escaped), everything else is
 * written as `\x` escapes of its UTF-8 bytes.
 */
export function goTimeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of Buffer.from(ch, 'utf8')) out += '\\x' + hex(b, 2);
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return out + '"';
}

/** hashicorp/go-multierror's default `ListFormatFunc`. */
export function multiErrorString(errors: readonly string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** The error text of a failed `strconv.ParseInt`. */
function numError(s: string, reason: 'invalid syntax' | 'value out of range'): Error {
  return new Error(`strconv.ParseInt: parsing ${goQuote(s)}: ${reason}`);
}

/**
 * Go's `strconv.ParseInt(s, base, 64)` for base 10 or base 0 (prefix-detected:
 * `0x`, `0o`, `0b`, leading `0` for octal, `_` separators), returned as a BigInt.
 * Throws an Error carrying Go's message.
 */
export function goParseInt(s: string, base: 0 | 10): bigint {
  if (s === '') throw numError(s, 'invalid syntax');
  let body = s;
  let neg = false;
  if (body[0] === '+' || body[0] === '-') {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  let radix = 10;
  let prefixed = false;
  if (base === 0) {
    if (body.length > 1 && body[0] === '0') {
      const p = body[1]?.toLowerCase();
      if (p === 'x') {
        radix = 16;
        body = body.slice(2);
        prefixed = true;
      } else if (p === 'o') {
        radix = 8;
        body = body.slice(2);
        prefixed = true;
      } else if (p === 'b') {
        radix = 2;
        body = body.slice(2);
        prefixed = true;
      } else {
        radix = 8;
        body = body.slice(1);
        prefixed = true;
      }
    }
  }
  if (base === 0) {
    // Underscores may only separate digits (or follow a base prefix).
    if (body.includes('_')) {
      const stripped = prefixed ? '0' + body : body;
      if (!/^[0-9a-zA-Z](_?[0-9a-zA-Z])*$/.test(stripped.replace(/^0_/, '0'))) {
        throw numError(s, 'invalid syntax');
      }
      body = body.replace(/_/g, '');
    }
  }
  if (body === '') throw numError(s, 'invalid syntax');
  let value = 0n;
  const big = BigInt(radix);
  for (const c of body) {
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= radix) throw numError(s, 'invalid syntax');
    value = value * big + BigInt(d);
  }
  if (neg) value = -value;
  if (value > INT64_MAX || value < INT64_MIN) throw numError(s, 'value out of range');
  return value;
}
