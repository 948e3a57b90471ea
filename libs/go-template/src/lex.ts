/**
 * The lexer: a state machine over the template source, as Go's text/template/parse/lex.go.
 * Each state consumes input and returns the next state; items carry their byte offset in
 * the source (Go reports columns in bytes) and their line.
 */

export type ItemType =
  | 'error'
  | 'bool'
  | 'char'
  | 'charConstant'
  | 'comment'
  | 'complex'
  | 'assign'
  | 'declare'
  | 'eof'
  | 'field'
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  type: ItemType;
  /** Offset in the source, in UTF-16 units (converted to Go's byte column only for messages). */
  pos: number;
  val: string;
  line: number;
}

const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['.', 'dot'],
  ['block', 'block'],
  ['break', 'break'],
  ['continue', 'continue'],
  ['define', 'define'],
  ['else', 'else'],
  ['end', 'end'],
  ['if', 'if'],
  ['range', 'range'],
  ['nil', 'nil'],
  ['template', 'template'],
  ['with', 'with'],
]);

const LEFT = '{{';
const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
/** `{{- ` trims the text before; `{{-3}}` is a negative number, so the marker needs the space. */
const TRIM_MARKER_LENGTH = 2;
const EOF = '';

type StateFn = ((l: Lexer) => StateFn) | null;

const isSpace = (r: string): boolean => r === ' ' || r === '\t' || r === '\r' || r === '\n';
const isAlphaNumeric = (r: string): boolean => r === '_' || /^[\p{L}\p{Nd}]$/u.test(r);
const isTrimSpace = (r: string): boolean => isSpace(r);

export class Lexer {
  readonly items: Item[] = [];
  private pos = 0;
  private start = 0;
  private line = 1;
  private startLine = 1;
  private parenDepth = 0;

  constructor(private readonly input: string) {}

  run(): Item[] {
    let state: StateFn = lexText;
    while (state) state = state(this);
    return this.items;
  }

  next(): string {
    if (this.pos >= this.input.length) return EOF;
    const cp = this.input.codePointAt(this.pos)!;
    const r = String.fromCodePoint(cp);
    this.pos += r.length;
    if (r === '\n') this.line++;
    return r;
  }
  peek(): string {
    if (this.pos >= this.input.length) return EOF;
    return String.fromCodePoint(this.input.codePointAt(this.pos)!);
  }
  backup(r: string): void {
    this.pos -= r.length;
    if (r === '\n') this.line--;
  }
  rest(): string {
    return this.input.slice(this.pos);
  }
  emit(type: ItemType): void {
    this.items.push({ type, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine });
    this.start = this.pos;
    this.startLine = this.line;
  }
  emitValue(type: ItemType, val: string): void {
    this.items.push({ type, pos: this.start, val, line: this.startLine });
    this.start = this.pos;
    this.startLine = this.line;
  }
  /** Drops the pending input; lines were already counted while moving over it. */
  ignore(): void {
    this.start = this.pos;
    this.startLine = this.line;
  }
  /** Moves the cursor by n units without emitting, keeping the line count right. */
  skip(n: number): void {
    this.line += countNewlines(this.input.slice(this.pos, this.pos + n));
    this.pos += n;
  }
  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(r)) return true;
    this.backup(r);
    return false;
  }
  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || !valid.includes(r)) {
        this.backup(r);
        return;
      }
    }
  }
  errorf(message: string): StateFn {
    this.items.push({ type: 'error', pos: this.start, val: message, line: this.startLine });
    return null;
  }

  // The states below need the private cursor, so they live as methods called by the state functions.
  lexText(): StateFn {
    const x = this.input.indexOf(LEFT, this.pos);
    if (x < 0) {
      this.skip(this.input.length - this.pos);
      if (this.pos > this.start) this.emit('text');
      this.emit('eof');
      return null;
    }
    this.skip(x - this.pos);
    let trimLength = 0;
    const delimEnd = this.pos + LEFT.length;
    if (hasLeftTrimMarker(this.input, delimEnd)) {
      trimLength = rightTrimLength(this.input.slice(this.start, this.pos));
    }
    const text = this.input.slice(this.start, this.pos - trimLength);
    if (text.length > 0) this.emitValue('text', text);
    this.start = this.pos;
    this.startLine = this.line;
    return lexLeftDelim;
  }

  lexLeftDelim(): StateFn {
    this.skip(LEFT.length);
    const trimSpace = hasLeftTrimMarker(this.input, this.pos);
    const afterMarker = trimSpace ? TRIM_MARKER_LENGTH : 0;
    if (this.input.startsWith(LEFT_COMMENT, this.pos + afterMarker)) {
      this.skip(afterMarker);
      this.ignore();
      return lexComment;
    }
    this.emit('leftDelim');
    this.skip(afterMarker);
    this.ignore();
    this.parenDepth = 0;
    return lexInsideAction;
  }

  lexComment(): StateFn {
    this.skip(LEFT_COMMENT.length);
    const x = this.input.indexOf(RIGHT_COMMENT, this.pos);
    if (x < 0) return this.errorf('unclosed comment');
    this.skip(x + RIGHT_COMMENT.length - this.pos);
    const [delim, trimSpace] = this.atRightDelim();
    if (!delim) return this.errorf('comment ends before closing delimiter');
    // Go emits comments only when asked to keep them; we never do.
    if (trimSpace) this.skip(TRIM_MARKER_LENGTH);
    this.skip(RIGHT.length);
    if (trimSpace) this.skip(leftTrimLength(this.rest()));
    this.ignore();
    return lexText;
  }

  atRightDelim(): [boolean, boolean] {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT, this.pos + TRIM_MARKER_LENGTH)) {
      return [true, true];
    }
    if (this.input.startsWith(RIGHT, this.pos)) return [true, false];
    return [false, false];
  }

  lexRightDelim(): StateFn {
    const [, trimSpace] = this.atRightDelim();
    if (trimSpace) {
      this.skip(TRIM_MARKER_LENGTH);
      this.ignore();
    }
    this.skip(RIGHT.length);
    this.emit('rightDelim');
    if (trimSpace) {
      this.skip(leftTrimLength(this.rest()));
      this.ignore();
    }
    return lexText;
  }

  lexInsideAction(): StateFn {
    const [delim] = this.atRightDelim();
    if (delim) {
      if (this.parenDepth === 0) return lexRightDelim;
      return this.errorf('unclosed left paren');
    }
    const r = this.next();
    if (r === EOF) return this.errorf('unclosed action');
    if (isSpace(r)) {
      this.backup(r);
      return lexSpace;
    }
    if (r === '=') {
      this.emit('assign');
    } else if (r === ':') {
      if (this.next() !== '=') return this.errorf('expected :=');
      this.emit('declare');
    } else if (r === '|') {
      this.emit('pipe');
    } else if (r === '"') {
      return lexQuote;
    } else if (r === '`') {
      return lexRawQuote;
    } else if (r === '$') {
      return lexVariable;
    } else if (r === "'") {
      return lexChar;
    } else if (r === '.') {
      // `.field` unless a digit follows; at the very end a lone `.` goes to the number lexer (as in Go).
      const n = this.input[this.pos];
      if (n !== undefined && (n < '0' || n > '9')) return lexField;
      this.backup(r);
      return lexNumber;
    } else if (r === '+' || r === '-' || (r >= '0' && r <= '9')) {
      this.backup(r);
      return lexNumber;
    } else if (isAlphaNumeric(r)) {
      this.backup(r);
      return lexIdentifier;
    } else if (r === '(') {
      this.emit('leftParen');
      this.parenDepth++;
    } else if (r === ')') {
      this.parenDepth--;
      if (this.parenDepth < 0) return this.errorf('unexpected right paren');
      this.emit('rightParen');
    } else if (r.codePointAt(0)! <= 0x7f && /^[\x20-\x7e]$/.test(r)) {
      this.emit('char');
    } else {
      return this.errorf(`unrecognized character in action: ${goRuneLiteral(r)}`);
    }
    return lexInsideAction;
  }

  lexSpace(): StateFn {
    let numSpaces = 0;
    for (;;) {
      const r = this.peek();
      if (!isSpace(r)) break;
      this.next();
      numSpaces++;
    }
    // A space right before ` -}}` belongs to the trim marker: back up one so the marker is whole.
    if (
      hasRightTrimMarker(this.input, this.pos - 1) &&
      this.input.startsWith(RIGHT, this.pos - 1 + TRIM_MARKER_LENGTH)
    ) {
      this.backup(this.input[this.pos - 1]!);
      if (numSpaces === 1) return lexRightDelim;
    }
    this.emit('space');
    return lexInsideAction;
  }

  lexIdentifier(): StateFn {
    for (;;) {
      const r = this.next();
      if (r !== EOF && isAlphaNumeric(r)) continue;
      this.backup(r);
      const word = this.input.slice(this.start, this.pos);
      if (!this.atTerminator()) return this.errorf(`bad character ${goRuneLiteral(r)}`);
      const key = KEYWORDS.get(word);
      if (key && key !== 'dot') this.emit(key);
      else if (word === 'true' || word === 'false') this.emit('bool');
      else this.emit('identifier');
      return lexInsideAction;
    }
  }

  lexFieldOrVariable(type: 'field' | 'variable'): StateFn {
    if (this.atTerminator()) {
      if (type === 'variable') this.emit('variable');
      else this.emit('dot');
      return lexInsideAction;
    }
    let r: string;
    for (;;) {
      r = this.next();
      if (r === EOF || !isAlphaNumeric(r)) {
        this.backup(r);
        break;
      }
    }
    if (!this.atTerminator()) return this.errorf(`bad character ${goRuneLiteral(r)}`);
    this.emit(type);
    return lexInsideAction;
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (r === EOF || isSpace(r)) return true;
    if ('.,|:()'.includes(r)) return true;
    return this.input.startsWith(RIGHT, this.pos);
  }

  lexChar(): StateFn {
    for (;;) {
      let r = this.next();
      if (r === '\\') {
        r = this.next();
        if (r !== EOF && r !== '\n') continue;
      }
      if (r === EOF || r === '\n') return this.errorf('unterminated character constant');
      if (r === "'") break;
    }
    this.emit('charConstant');
    return lexInsideAction;
  }

  lexNumber(): StateFn {
    if (!this.scanNumber()) return this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
    const sign = this.peek();
    if (sign === '+' || sign === '-') {
      // Complex: 1+2i.
      if (!this.scanNumber() || this.input[this.pos - 1] !== 'i') {
        return this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
      }
      this.emit('complex');
    } else {
      this.emit('number');
    }
    return lexInsideAction;
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 10 + 1 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 16 + 6 + 1 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  lexQuote(): StateFn {
    for (;;) {
      let r = this.next();
      if (r === '\\') {
        r = this.next();
        if (r !== EOF && r !== '\n') continue;
      }
      if (r === EOF || r === '\n') return this.errorf('unterminated quoted string');
      if (r === '"') break;
    }
    this.emit('string');
    return lexInsideAction;
  }

  lexRawQuote(): StateFn {
    for (;;) {
      const r = this.next();
      if (r === EOF) return this.errorf('unterminated raw quoted string');
      if (r === '`') break;
    }
    this.emit('rawString');
    return lexInsideAction;
  }
}

const lexText = (l: Lexer): StateFn => l.lexText();
const lexLeftDelim = (l: Lexer): StateFn => l.lexLeftDelim();
const lexComment = (l: Lexer): StateFn => l.lexComment();
const lexRightDelim = (l: Lexer): StateFn => l.lexRightDelim();
const lexInsideAction = (l: Lexer): StateFn => l.lexInsideAction();
const lexSpace = (l: Lexer): StateFn => l.lexSpace();
const lexIdentifier = (l: Lexer): StateFn => l.lexIdentifier();
const lexField = (l: Lexer): StateFn => l.lexFieldOrVariable('field');
const lexVariable = (l: Lexer): StateFn => l.lexFieldOrVariable('variable');
const lexChar = (l: Lexer): StateFn => l.lexChar();
const lexNumber = (l: Lexer): StateFn => l.lexNumber();
const lexQuote = (l: Lexer): StateFn => l.lexQuote();
const lexRawQuote = (l: Lexer): StateFn => l.lexRawQuote();

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** `{{- ` trims the text before; `{{-3}}` is a negative number, so the marker needs the space. */
function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === '-' && at + 1 < s.length && isSpace(s[at + 1]!);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return at + 1 < s.length && isSpace(s[at]!) && s[at + 1] === '-';
}

function rightTrimLength(s: string): number {
  let n = 0;
  while (n < s.length && isTrimSpace(s[s.length - 1 - n]!)) n++;
  return n;
}

function leftTrimLength(s: string): number {
  let n = 0;
  while (n < s.length && isTrimSpace(s[n]!)) n++;
  return n;
}

/** Go's `%#U`: `U+0041 'A'`. */
export function goRuneLiteral(r: string): string {
  if (r === EOF) return 'U+FFFFFFFF';
  const cp = r.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /^\P{C}$/u.test(r) ? `U+${hex} '${r}'` : `U+${hex}`;
}

/** Go's `%q` of a string: double-quoted with Go escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (/^\p{C}$/u.test(ch)) {
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + '"';
}

export function lex(input: string): Item[] {
  return new Lexer(input).run();
}
