/**
 * Go's quoting, which Vault's error messages show: `%q` of a string
 * (strconv.Quote) and of a string slice, and the time package's own quote.
 */

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/** Whether every rune of `s` is printable in Go's sense (strutil.Printable). */
export function isGoPrintable(s: string): boolean {
  return PRINTABLE.test(s);
}

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
    } else if (isGoPrintable(ch)) {
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

/** Go's `%q` of a string slice: `["a" "b"]`; null is Go's nil slice, printed `[]`. */
export function goQuoteList(items: readonly string[] | null): string {
  return `[${(items ?? []).map(goQuote).join(' ')}]`;
}
