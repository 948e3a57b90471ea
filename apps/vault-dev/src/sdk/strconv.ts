/** Go's strconv.ParseInt, with its error texts. */
import { goQuote } from './go-text.js';

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
