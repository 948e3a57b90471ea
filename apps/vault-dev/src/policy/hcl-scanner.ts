/**
 * Tokenizers for the two input syntaxes Vault's `hcl.Parse` accepts: HCL v1
 * and hcl's own JSON dialect. They follow the behaviour of
 * `github.com/hashicorp/hcl/{hcl,json}/scanner` (token kinds, number/string/
 * heredoc rules, position bookkeeping), written afresh in TypeScript.
 */
import type { Pos } from './hcl-ast.js';

export type TokenType =
  | 'ILLEGAL'
  | 'EOF'
  | 'COMMENT'
  | 'IDENT'
  | 'NUMBER'
  | 'FLOAT'
  | 'BOOL'
  | 'STRING'
  | 'HEREDOC'
  | 'NULL'
  | 'LBRACK'
  | 'LBRACE'
  | 'COMMA'
  | 'PERIOD'
  | 'COLON'
  | 'RBRACK'
  | 'RBRACE'
  | 'ASSIGN'
  | 'ADD'
  | 'SUB';

export interface Token {
  readonly type: TokenType;
  readonly pos: Pos;
  readonly text: string;
}

export interface ScanError {
  readonly pos: Pos;
  readonly msg: string;
}

const EOF = -1;

function isDecimal(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexadecimal(c: number): boolean {
  return isDecimal(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

const UNICODE_LETTER = /^\p{L}$/u;
const UNICODE_DIGIT = /^\p{Nd}$/u;

function isLetter(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    c === 0x5f ||
    (c >= 0x80 && UNICODE_LETTER.test(String.fromCodePoint(c)))
  );
}

function isDigit(c: number): boolean {
  return isDecimal(c) || (c >= 0x80 && UNICODE_DIGIT.test(String.fromCodePoint(c)));
}

function digitVal(c: number): number {
  if (isDecimal(c)) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 16;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

const CH = (s: string): number => s.charCodeAt(0);
const NL = CH('\n');
const CR = CH('\r');
const QUOTE = CH('"');
const BACKSLASH = CH('\\');
const DOLLAR = CH('$');
const LBRACE_C = CH('{');
const RBRACE_C = CH('}');

/**
 * Rune reader with hcl's position rules: `srcPos` is the position of the last
 * character read (column 0 right after a newline), and reading past the end
 * still advances the column so that "not terminated" errors point one past it.
 */
class RuneReader {
  private readonly runes: number[];
  private index = 0;
  protected srcLine = 1;
  protected srcCol = 0;
  private prevLine = 1;
  private prevCol = 0;
  protected lastLineLen = 0;
  private readonly startIndexOfRune: number[];
  /** Scanner errors; like hcl we report the last one. */
  readonly errors: ScanError[] = [];

  constructor(protected readonly src: string) {
    this.runes = [];
    this.startIndexOfRune = [];
    let i = 0;
    for (const ch of src) {
      this.runes.push(ch.codePointAt(0) ?? 0);
      this.startIndexOfRune.push(i);
      i += ch.length;
    }
    this.startIndexOfRune.push(src.length);
  }

  protected next(): number {
    if (this.index >= this.runes.length) {
      this.srcCol++;
      return EOF;
    }
    const c = this.runes[this.index++] ?? EOF;
    this.prevLine = this.srcLine;
    this.prevCol = this.srcCol;
    this.srcCol++;
    if (c === NL) {
      this.srcLine++;
      this.lastLineLen = this.srcCol;
      this.srcCol = 0;
    }
    if (c === 0) {
      this.err('unexpected null character (0x00)');
      return EOF;
    }
    return c;
  }

  protected unread(): void {
    this.index--;
    this.srcLine = this.prevLine;
    this.srcCol = this.prevCol;
  }

  protected peek(): number {
    return this.index < this.runes.length ? (this.runes[this.index] ?? EOF) : EOF;
  }

  /** UTF-16 offset in `src` of the next unread rune. */
  protected offset(): number {
    return this.startIndexOfRune[this.index] ?? this.src.length;
  }

  /** Records an error at the character just read (hcl's recentPosition). */
  protected err(msg: string): void {
    let pos: Pos;
    if (this.srcCol > 0) pos = { line: this.srcLine, column: this.srcCol };
    else if (this.lastLineLen > 0) pos = { line: this.srcLine - 1, column: this.lastLineLen };
    else pos = { line: 1, column: 1 };
    this.errors.push({ pos, msg });
  }

  /** Position of the character just read (hcl's tokPos computation). */
  protected tokenPos(): Pos {
    if (this.srcCol > 0) return { line: this.srcLine, column: this.srcCol };
    return { line: this.srcLine - 1, column: this.lastLineLen };
  }

  protected scanMantissa(ch: number): number {
    let scanned = false;
    while (isDecimal(ch)) {
      ch = this.next();
      scanned = true;
    }
    if (scanned && ch !== EOF) this.unread();
    return ch;
  }

  protected scanFraction(ch: number): number {
    if (ch === CH('.')) {
      ch = this.peek();
      ch = this.scanMantissa(ch);
    }
    return ch;
  }

  protected scanExponent(ch: number): number {
    if (ch === CH('e') || ch === CH('E')) {
      ch = this.next();
      if (ch === CH('-') || ch === CH('+')) ch = this.next();
      ch = this.scanMantissa(ch);
    }
    return ch;
  }

  protected scanNumber(ch: number): TokenType {
    if (ch === CH('0')) {
      ch = this.next();
      if (ch === CH('x') || ch === CH('X')) {
        ch = this.next();
        let found = false;
        while (isHexadecimal(ch)) {
          ch = this.next();
          found = true;
        }
        if (!found) this.err('illegal hexadecimal number');
        if (ch !== EOF) this.unread();
        return 'NUMBER';
      }
      let illegalOctal = false;
      while (isDecimal(ch)) {
        ch = this.next();
        if (ch === CH('8') || ch === CH('9')) illegalOctal = true;
      }
      if (ch === CH('e') || ch === CH('E')) {
        this.scanExponent(ch);
        return 'FLOAT';
      }
      if (ch === CH('.')) {
        ch = this.scanFraction(ch);
        if (ch === CH('e') || ch === CH('E')) {
          ch = this.next();
          this.scanExponent(ch);
        }
        return 'FLOAT';
      }
      if (illegalOctal) this.err('illegal octal number');
      if (ch !== EOF) this.unread();
      return 'NUMBER';
    }
    this.scanMantissa(ch);
    ch = this.next();
    if (ch === CH('e') || ch === CH('E')) {
      this.scanExponent(ch);
      return 'FLOAT';
    }
    if (ch === CH('.')) {
      ch = this.scanFraction(ch);
      if (ch === CH('e') || ch === CH('E')) {
        ch = this.next();
        this.scanExponent(ch);
      }
      return 'FLOAT';
    }
    if (ch !== EOF) this.unread();
    return 'NUMBER';
  }

  protected scanDigits(ch: number, base: number, n: number): number {
    const start = n;
    while (n > 0 && digitVal(ch) < base) {
      ch = this.next();
      if (ch === EOF) break;
      n--;
    }
    if (n > 0) this.err('illegal char escape');
    // Put back the first non-digit, if any digit was read at all.
    if (n !== start && ch !== EOF) this.unread();
    return ch;
  }

  protected scanEscape(): number {
    let ch = this.next();
    switch (ch) {
      case CH('a'):
      case CH('b'):
      case CH('f'):
      case CH('n'):
      case CH('r'):
      case CH('t'):
      case CH('v'):
      case BACKSLASH:
      case QUOTE:
        break;
      case CH('0'):
      case CH('1'):
      case CH('2'):
      case CH('3'):
      case CH('4'):
      case CH('5'):
      case CH('6'):
      case CH('7'):
        ch = this.scanDigits(ch, 8, 3);
        break;
      case CH('x'):
        ch = this.scanDigits(this.next(), 16, 2);
        break;
      case CH('u'):
        ch = this.scanDigits(this.next(), 16, 4);
        break;
      case CH('U'):
        ch = this.scanDigits(this.next(), 16, 8);
        break;
      default:
        this.err('illegal char escape');
    }
    return ch;
  }

  protected scanIdentifier(): void {
    let ch = this.next();
    while (isLetter(ch) || isDigit(ch) || ch === CH('-') || ch === CH('.')) ch = this.next();
    if (ch !== EOF) this.unread();
  }
}

/** The HCL v1 tokenizer. */
export class HclScanner extends RuneReader {
  scan(): Token {
    let ch = this.next();
    while (isWhitespace(ch)) ch = this.next();
    const start = this.offset() - (ch === EOF ? 0 : String.fromCodePoint(ch).length);
    const pos = this.tokenPos();
    let type: TokenType;
    if (isLetter(ch)) {
      this.scanIdentifier();
      const lit = this.src.slice(start, this.offset());
      type = lit === 'true' || lit === 'false' ? 'BOOL' : 'IDENT';
    } else if (isDecimal(ch)) {
      type = this.scanNumber(ch);
    } else {
      switch (ch) {
        case EOF:
          type = 'EOF';
          break;
        case QUOTE:
          type = 'STRING';
          this.scanString();
          break;
        case CH('#'):
        case CH('/'):
          type = 'COMMENT';
          this.scanComment(ch);
          break;
        case CH('.'):
          type = 'PERIOD';
          if (isDecimal(this.peek())) {
            type = 'FLOAT';
            ch = this.scanMantissa(this.peek());
            this.scanExponent(ch);
          }
          break;
        case CH('<'):
          type = 'HEREDOC';
          this.scanHeredoc();
          break;
        case CH('['):
          type = 'LBRACK';
          break;
        case CH(']'):
          type = 'RBRACK';
          break;
        case LBRACE_C:
          type = 'LBRACE';
          break;
        case RBRACE_C:
          type = 'RBRACE';
          break;
        case CH(','):
          type = 'COMMA';
          break;
        case CH('='):
          type = 'ASSIGN';
          break;
        case CH('+'):
          type = 'ADD';
          break;
        case CH('-'):
          if (isDecimal(this.peek())) {
            type = this.scanNumber(this.next());
          } else {
            type = 'SUB';
          }
          break;
        default:
          type = 'ILLEGAL';
          this.err('illegal char');
      }
    }
    return { type, pos, text: this.src.slice(start, this.offset()) };
  }

  private scanComment(ch: number): void {
    // '#' and '//' run to the end of the line; '/*' to the matching '*/'.
    if (ch === CH('#') || (ch === CH('/') && this.peek() === CH('/'))) {
      if (ch === CH('/')) this.next();
      ch = this.next();
      while (ch !== NL && ch !== EOF) ch = this.next();
      if (ch !== EOF) this.unread();
      return;
    }
    if (ch === CH('/') && this.peek() === CH('*')) {
      this.next();
      ch = this.next();
      for (;;) {
        if (ch === EOF) {
          this.err('comment not terminated');
          return;
        }
        const ch0 = ch;
        ch = this.next();
        if (ch0 === CH('*') && ch === CH('/')) return;
      }
    }
    this.err("expected '/' for comment");
  }

  private scanString(): void {
    let braces = 0;
    for (;;) {
      const ch = this.next();
      if ((ch === NL && braces === 0) || ch === EOF) {
        this.err('literal not terminated');
        return;
      }
      if (ch === QUOTE && braces === 0) return;
      if (braces === 0 && ch === DOLLAR && this.peek() === LBRACE_C) {
        braces++;
        this.next();
      } else if (braces > 0 && ch === LBRACE_C) {
        braces++;
      }
      if (braces > 0 && ch === RBRACE_C) braces--;
      if (ch === BACKSLASH) this.scanEscape();
    }
  }

  private scanHeredoc(): void {
    if (this.next() !== CH('<')) {
      this.err("heredoc expected second '<', didn't see it");
      return;
    }
    const identStart = this.offset();
    let ch = this.next();
    if (ch === CH('-')) ch = this.next();
    while (isLetter(ch) || isDigit(ch)) ch = this.next();
    if (ch === EOF) {
      this.err('heredoc not terminated');
      return;
    }
    if (ch === CR && this.peek() === NL) ch = this.next();
    if (ch !== NL) {
      this.err('invalid characters in heredoc anchor');
      return;
    }
    let ident = this.src.slice(identStart, this.offset() - 1).replace(/\r$/, '');
    if (ident === '' || ident === '-') {
      this.err('zero-length heredoc anchor');
      return;
    }
    if (ident.startsWith('-')) ident = ident.slice(1);
    const anchor = new RegExp(`^[\\t\\n\\v\\f\\r ]*${ident.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r*$`);
    let lineStart = this.offset();
    for (;;) {
      const c = this.next();
      if (c === NL) {
        const line = this.src.slice(lineStart, this.offset() - 1);
        if (anchor.test(line)) return;
        lineStart = this.offset();
      }
      if (c === EOF) {
        this.err('heredoc not terminated');
        return;
      }
    }
  }
}

/** hcl's JSON tokenizer (`hcl/json/scanner`). */
export class JsonScanner extends RuneReader {
  scan(): Token {
    let ch = this.next();
    while (isWhitespace(ch)) ch = this.next();
    const start = this.offset() - (ch === EOF ? 0 : String.fromCodePoint(ch).length);
    const pos = this.tokenPos();
    let type: TokenType;
    if (isLetter(ch)) {
      this.scanIdentifier();
      const lit = this.src.slice(start, this.offset());
      if (lit === 'true' || lit === 'false') type = 'BOOL';
      else if (lit === 'null') type = 'NULL';
      else {
        type = 'ILLEGAL';
        this.err('illegal char');
      }
    } else if (isDecimal(ch)) {
      type = this.scanNumber(ch);
    } else {
      switch (ch) {
        case EOF:
          type = 'EOF';
          break;
        case QUOTE:
          type = 'STRING';
          this.scanString();
          break;
        case CH('.'):
          type = 'PERIOD';
          if (isDecimal(this.peek())) {
            type = 'FLOAT';
            ch = this.scanMantissa(this.peek());
            this.scanExponent(ch);
          }
          break;
        case CH('['):
          type = 'LBRACK';
          break;
        case CH(']'):
          type = 'RBRACK';
          break;
        case LBRACE_C:
          type = 'LBRACE';
          break;
        case RBRACE_C:
          type = 'RBRACE';
          break;
        case CH(','):
          type = 'COMMA';
          break;
        case CH(':'):
          type = 'COLON';
          break;
        case CH('-'):
          if (isDecimal(this.peek())) {
            type = this.scanNumber(this.next());
          } else {
            type = 'ILLEGAL';
            this.err('illegal char');
          }
          break;
        default:
          type = 'ILLEGAL';
          this.err(`illegal char: ${String.fromCodePoint(ch)}`);
      }
    }
    return { type, pos, text: this.src.slice(start, this.offset()) };
  }

  private scanString(): void {
    for (;;) {
      const ch = this.next();
      if (ch === NL || ch === EOF) {
        this.err('literal not terminated');
        return;
      }
      if (ch === QUOTE) return;
      if (ch === BACKSLASH) this.scanEscape();
    }
  }
}
