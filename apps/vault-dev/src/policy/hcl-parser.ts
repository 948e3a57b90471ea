/**
 * Recursive-descent parsers producing the hcl AST (see hcl-ast.ts) for HCL v1
 * and for hcl's JSON dialect, following the grammar and quirks of
 * `github.com/hashicorp/hcl` v1 as Vault uses it:
 *
 *  - input whose first non-space character is `{` is JSON, anything else HCL;
 *  - JSON objects are "flattened" afterwards (`{"path": {"a": {...}}}` becomes
 *    an item with keys `path`, `a`), JSON lists silently drop booleans and
 *    `null` becomes the empty string;
 *  - in HCL, assigning the same attribute twice in one object is an error
 *    ("Each argument can only be defined once"), as Vault >= 1.21 enforces for
 *    policies (hashicorp/hcl#704, hashicorp/vault#31215). Repeated blocks such
 *    as two `path "x" { ... }` stanzas stay legal.
 *
 * Syntax errors carry hcl's message text; see hcl.ts for how the exact text of
 * the real parser is obtained when it is available.
 */
import { goQuote } from '../sdk/go-text.js';
import {
  NO_POS,
  posString,
  type ListType,
  type LiteralToken,
  type LiteralType,
  type Node,
  type ObjectItem,
  type ObjectKey,
  type ObjectList,
  type ObjectType,
  type Pos,
} from './hcl-ast.js';
import { HclScanner, JsonScanner, type ScanError, type Token, type TokenType } from './hcl-scanner.js';

export class HclSyntaxError extends Error {
  constructor(
    message: string,
    /** Where the problem was detected, when known. */
    readonly pos: Pos | undefined,
    /** Set for the duplicate-attribute error, which the old parser lacks. */
    readonly duplicate = false,
    /** For duplicates: the end of the offending item. */
    readonly endPos: Pos | undefined = undefined,
  ) {
    super(message);
    this.name = 'HclSyntaxError';
  }
}

class EofSignal {
  constructor(readonly keys: ObjectKey[] = []) {}
}

function posError(pos: Pos, msg: string): HclSyntaxError {
  return new HclSyntaxError(`At ${posString(pos)}: ${msg}`, pos);
}

function scanFailure(errors: readonly ScanError[], json: boolean): HclSyntaxError | undefined {
  const last = errors[errors.length - 1];
  if (!last) return undefined;
  return json ? new HclSyntaxError(`${posString(last.pos)}: ${last.msg}`, last.pos) : posError(last.pos, last.msg);
}

// ---------------------------------------------------------------------------
// String and heredoc values

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/**
 * Unquotes a `"..."` token the way hcl's `Token.Value()` does: Go escape
 * sequences are decoded, and for HCL (not JSON) the inside of `${ ... }` is
 * copied verbatim.
 */
export function unquoteString(text: string, json: boolean): string {
  if (json && text === '') return '';
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) {
    throw new Error('invalid syntax');
  }
  const s = Array.from(text.slice(1, -1));
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (!json && c === '$' && s[i + 1] === '{') {
      out += '${';
      i += 2;
      let braces = 1;
      while (i < s.length && braces > 0) {
        const r = s[i++] ?? '';
        out += r;
        if (r === '{') braces++;
        else if (r === '}') braces--;
      }
      if (braces !== 0) throw new Error('invalid syntax');
      continue;
    }
    if (c === '\n') throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = s[i + 1];
    if (e === undefined) throw new Error('invalid syntax');
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    let digits = 0;
    let radix = 16;
    if (e === 'x') digits = 2;
    else if (e === 'u') digits = 4;
    else if (e === 'U') digits = 8;
    else if (e >= '0' && e <= '7') {
      digits = 3;
      radix = 8;
    } else throw new Error('invalid syntax');
    const start = radix === 8 ? i + 1 : i + 2;
    const chunk = s.slice(start, start + digits).join('');
    if (chunk.length !== digits || !new RegExp(`^[0-${radix === 8 ? '7' : '9a-fA-F'}]+$`).test(chunk)) {
      throw new Error('invalid syntax');
    }
    const v = parseInt(chunk, radix);
    if ((e === 'u' || e === 'U') && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) {
      throw new Error('invalid syntax');
    }
    if (radix === 8 && v > 255) throw new Error('invalid syntax');
    out += String.fromCodePoint(v);
    i = start + digits;
  }
  return out;
}

/** hcl's `unindentHeredoc` (byte arithmetic included). */
export function heredocValue(text: string): string {
  const buf = Buffer.from(text, 'utf8');
  const idx = buf.indexOf(0x0a);
  if (idx < 0) return '';
  const unindent = buf[2] === 0x2d; // '-'
  const sub = (a: number, b: number): string => buf.subarray(Math.max(0, a), Math.max(a, b)).toString('utf8');
  if (!unindent) return sub(idx + 1, buf.length - idx + 1);
  const lines = sub(idx + 1, buf.length - idx + 2).split('\n');
  const prefix = lines[lines.length - 1] ?? '';
  if (!lines.every((l) => l.startsWith(prefix))) {
    return sub(idx + 1, buf.length - idx + 1).replace(/[ \t]+$/, '');
  }
  return lines.map((l, k) => (k === lines.length - 1 ? '' : l.slice(prefix.length))).join('\n');
}

function literalFrom(tok: Token, json: boolean): LiteralType {
  let token: LiteralToken;
  switch (tok.type) {
    case 'STRING': {
      // A string the scanner flagged may not unquote; the scanner error is
      // what gets reported, so keep going with the raw text.
      let value: string;
      try {
        value = unquoteString(tok.text, json);
      } catch {
        value = tok.text;
      }
      token = { type: 'STRING', text: tok.text, value, pos: json ? NO_POS : tok.pos };
      break;
    }
    case 'HEREDOC':
      token = { type: 'HEREDOC', text: tok.text, value: heredocValue(tok.text), pos: tok.pos };
      break;
    case 'NULL':
      // hcl turns JSON null into an empty string token.
      token = { type: 'STRING', text: '', value: '', pos: NO_POS };
      break;
    case 'NUMBER':
    case 'FLOAT':
    case 'BOOL':
      token = { type: tok.type, text: tok.text, value: tok.text, pos: json ? NO_POS : tok.pos };
      break;
    default:
      throw posError(tok.pos, `unexpected literal ${tok.type}`);
  }
  return { kind: 'literal', token };
}

function keyFrom(tok: Token, json: boolean): ObjectKey {
  if (tok.type === 'IDENT') return { value: tok.text, text: tok.text, pos: tok.pos };
  let value: string;
  try {
    value = unquoteString(tok.text, json);
  } catch {
    value = tok.text; // see literalFrom
  }
  return { value, text: tok.text, pos: json ? NO_POS : tok.pos };
}

function tokenString(tok: Token): string {
  return `${posString(tok.pos)} ${tok.type} ${tok.text}`;
}

// ---------------------------------------------------------------------------
// HCL

class HclParser {
  private readonly sc: HclScanner;
  private tok: Token = { type: 'EOF', pos: NO_POS, text: '' };
  private buffered = false;

  constructor(src: string) {
    this.sc = new HclScanner(src);
  }

  parse(): ObjectList {
    let list: ObjectList | undefined;
    let failure: unknown;
    try {
      list = this.objectList(false);
    } catch (e) {
      failure = e;
    }
    // hcl reports scanner errors ahead of parser errors.
    const scanErr = scanFailure(this.sc.errors, false);
    if (scanErr) throw scanErr;
    if (failure !== undefined) throw failure instanceof PartialList ? failure.cause : failure;
    return list ?? { kind: 'list', items: [] };
  }

  private scan(): Token {
    if (this.buffered) {
      this.buffered = false;
      return this.tok;
    }
    do {
      this.tok = this.sc.scan();
    } while (this.tok.type === 'COMMENT');
    return this.tok;
  }

  private unscan(): void {
    this.buffered = true;
  }

  private objectList(obj: boolean): ObjectList {
    const node: ObjectList = { kind: 'list', items: [] };
    const assigned = new Set<string>();
    for (;;) {
      if (obj) {
        const t = this.scan();
        this.unscan();
        if (t.type === 'RBRACE') break;
      }
      let item: ObjectItem;
      try {
        item = this.objectItem();
      } catch (e) {
        if (e instanceof EofSignal) break;
        if (e instanceof HclSyntaxError && e.duplicate) throw e;
        throw new PartialList(node, e instanceof PartialList ? e.cause : e);
      }
      const key = item.keys[0];
      if (item.assign.line > 0 && item.keys.length === 1 && key) {
        if (assigned.has(key.value)) {
          throw new HclSyntaxError(
            `The argument ${goQuote(key.value)} at ${posString(key.pos)} was already set. ` +
              'Each argument can only be defined once',
            key.pos,
            true,
            this.tok.pos,
          );
        }
        assigned.add(key.value);
      }
      node.items.push(item);
      // Items may optionally be separated by commas.
      if (this.scan().type !== 'COMMA') this.unscan();
    }
    return node;
  }

  private objectItem(): ObjectItem {
    let keys: ObjectKey[];
    try {
      keys = this.objectKey();
    } catch (e) {
      if (e instanceof EofSignal && e.keys.length > 0) {
        keys = e.keys; // a key without a value: reported below
      } else if (e instanceof HclSyntaxError && this.tok.type === 'RBRACE' && this.pendingKeys.length > 0) {
        keys = this.pendingKeys;
        this.tok = { ...this.tok, type: 'EOF' };
      } else {
        throw e;
      }
    }
    switch (this.tok.type) {
      case 'ASSIGN': {
        const assign = this.tok.pos;
        const val = this.object();
        return { kind: 'item', keys, assign, val };
      }
      case 'LBRACE':
        return { kind: 'item', keys, assign: NO_POS, val: this.objectType() };
      default:
        throw posError(
          this.tok.pos,
          `key '${keys.map((k) => k.text).join(' ')}' expected start of object ('{') or assignment ('=')`,
        );
    }
  }

  private pendingKeys: ObjectKey[] = [];

  private objectKey(): ObjectKey[] {
    const keys: ObjectKey[] = [];
    this.pendingKeys = keys;
    for (;;) {
      const tok = this.scan();
      switch (tok.type) {
        case 'EOF':
          throw new EofSignal(keys);
        case 'ASSIGN':
          if (keys.length > 1) throw posError(tok.pos, `nested object expected: LBRACE got: ${tok.type}`);
          if (keys.length === 0) throw posError(tok.pos, 'no object keys found!');
          return keys;
        case 'LBRACE':
          if (keys.length === 0) throw posError(tok.pos, `expected: IDENT | STRING got: ${tok.type}`);
          return keys;
        case 'IDENT':
        case 'STRING':
          keys.push(keyFrom(tok, false));
          break;
        case 'ILLEGAL':
          throw posError(tok.pos, 'illegal character');
        default:
          throw posError(tok.pos, `expected: IDENT | STRING | ASSIGN | LBRACE got: ${tok.type}`);
      }
    }
  }

  private object(): Node {
    const tok = this.scan();
    switch (tok.type) {
      case 'NUMBER':
      case 'FLOAT':
      case 'BOOL':
      case 'STRING':
      case 'HEREDOC':
        return literalFrom(tok, false);
      case 'LBRACE':
        return this.objectType();
      case 'LBRACK':
        return this.listType();
      case 'EOF':
        throw new EofSignal();
      default:
        throw posError(tok.pos, `Unknown token: ${tokenString(tok)}`);
    }
  }

  private objectType(): ObjectType {
    const lbrace = this.tok.pos;
    let list: ObjectList;
    try {
      list = this.objectList(true);
    } catch (e) {
      // hcl forgives an error that stopped on a closing brace and keeps the
      // items read so far; the brace check below then decides.
      if (!(e instanceof PartialList) || this.tok.type !== 'RBRACE') {
        throw e instanceof PartialList ? e.cause : e;
      }
      list = e.list;
    }
    const tok = this.scan();
    if (tok.type !== 'RBRACE') throw posError(tok.pos, `object expected closing RBRACE got: ${tok.type}`);
    return { kind: 'object', lbrace, list };
  }

  private listType(): ListType {
    const lbrack = this.tok.pos;
    const list: Node[] = [];
    let needComma = false;
    for (;;) {
      const tok = this.scan();
      if (needComma && tok.type !== 'COMMA' && tok.type !== 'RBRACK') {
        throw posError(tok.pos, `error parsing list, expected comma or list end, got: ${tok.type}`);
      }
      switch (tok.type) {
        case 'BOOL':
        case 'NUMBER':
        case 'FLOAT':
        case 'STRING':
        case 'HEREDOC':
          list.push(literalFrom(tok, false));
          needComma = true;
          break;
        case 'COMMA':
          needComma = false;
          break;
        case 'LBRACE': {
          try {
            list.push(this.objectType());
          } catch (raw) {
            const e = raw instanceof PartialList ? raw.cause : raw;
            if (e instanceof HclSyntaxError && !e.duplicate) {
              throw posError(tok.pos, `error while trying to parse object within list: ${e.message}`);
            }
            throw e;
          }
          needComma = true;
          break;
        }
        case 'LBRACK': {
          try {
            list.push(this.listType());
          } catch (raw) {
            const e = raw instanceof PartialList ? raw.cause : raw;
            if (e instanceof HclSyntaxError && !e.duplicate) {
              throw posError(tok.pos, `error while trying to parse list within list: ${e.message}`);
            }
            throw e;
          }
          break;
        }
        case 'RBRACK':
          return { kind: 'listType', lbrack, list };
        default:
          throw posError(tok.pos, `unexpected token while parsing list: ${tok.type}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// JSON

class JsonParser {
  private readonly sc: JsonScanner;
  private tok: Token = { type: 'EOF', pos: NO_POS, text: '' };

  constructor(src: string) {
    this.sc = new JsonScanner(src);
  }

  parse(): ObjectList {
    let list: ObjectList | undefined;
    let failure: unknown;
    try {
      const tok = this.scan();
      if (tok.type === 'LBRACE') list = this.objectType().list;
      else if (tok.type === 'EOF') failure = new HclSyntaxError('EOF token found', undefined);
      else failure = new HclSyntaxError(`Expected object, got unknown token: ${tokenString(tok)}`, undefined);
    } catch (e) {
      failure = e;
    }
    const scanErr = scanFailure(this.sc.errors, true);
    if (scanErr) throw scanErr;
    if (failure !== undefined)
      throw failure instanceof EofSignal ? new HclSyntaxError('EOF token found', undefined) : failure;
    const root = list ?? { kind: 'list', items: [] };
    flattenObjects(root);
    return root;
  }

  private scan(): Token {
    this.tok = this.sc.scan();
    return this.tok;
  }

  private objectType(): ObjectType {
    let list: ObjectList = { kind: 'list', items: [] };
    let failure: unknown;
    try {
      list = this.objectList();
    } catch (e) {
      failure = e;
      if (e instanceof PartialList) list = e.list;
    }
    // Like hcl v1.0.0, an error that stops on a closing brace is forgiven and
    // the closing brace itself is not required.
    if (failure !== undefined && this.tok.type !== 'RBRACE') {
      throw failure instanceof PartialList ? failure.cause : failure;
    }
    return { kind: 'object', lbrace: NO_POS, list };
  }

  private objectList(): ObjectList {
    const node: ObjectList = { kind: 'list', items: [] };
    for (;;) {
      let item: ObjectItem;
      try {
        item = this.objectItem();
      } catch (e) {
        if (e instanceof EofSignal) break;
        throw new PartialList(node, e);
      }
      node.items.push(item);
      if (this.scan().type !== 'COMMA') break;
    }
    return node;
  }

  private objectItem(): ObjectItem {
    const keys = this.objectKey();
    const assign = this.tok.pos;
    const val = this.objectValue();
    return { kind: 'item', keys, assign, val };
  }

  private objectKey(): ObjectKey[] {
    const keys: ObjectKey[] = [];
    for (;;) {
      const tok = this.scan();
      switch (tok.type) {
        case 'EOF':
          throw new EofSignal();
        case 'STRING':
          keys.push(keyFrom(tok, true));
          break;
        case 'COLON':
          if (keys.length === 0) throw new HclSyntaxError(`expected: STRING got: ${tok.type}`, undefined);
          return keys;
        case 'ILLEGAL':
          throw new HclSyntaxError('illegal', undefined);
        default:
          throw new HclSyntaxError(`expected: STRING got: ${tok.type}`, undefined);
      }
    }
  }

  private objectValue(): Node {
    const tok = this.scan();
    switch (tok.type) {
      case 'NUMBER':
      case 'FLOAT':
      case 'BOOL':
      case 'NULL':
      case 'STRING':
        return literalFrom(tok, true);
      case 'LBRACE':
        return this.objectType();
      case 'LBRACK':
        return this.listType();
      case 'EOF':
        throw new EofSignal();
      default:
        throw new HclSyntaxError(`Expected object value, got unknown token: ${tokenString(tok)}`, undefined);
    }
  }

  private listType(): ListType {
    const list: Node[] = [];
    for (;;) {
      const tok = this.scan();
      switch (tok.type as TokenType) {
        case 'NUMBER':
        case 'FLOAT':
        case 'STRING':
          list.push(literalFrom(tok, true));
          break;
        case 'COMMA':
          break;
        case 'LBRACE':
          list.push(this.objectType());
          break;
        case 'BOOL':
        case 'LBRACK':
          // hcl's JSON parser ignores booleans and nested list openers here.
          break;
        case 'RBRACK':
          return { kind: 'listType', lbrack: NO_POS, list };
        default:
          throw new HclSyntaxError(`unexpected token while parsing list: ${tok.type}`, undefined);
      }
    }
  }
}

class PartialList {
  constructor(
    readonly list: ObjectList,
    readonly cause: unknown,
  ) {}
}

/**
 * hcl's `flattenObjects` for JSON input: an item whose value is an object of
 * objects (or a list of objects) is replaced by items with the keys joined,
 * so that JSON `{"path": {"a": {...}}}` reads like HCL `path "a" {...}`.
 */
function flattenObjects(list: ObjectList): void {
  const items: ObjectItem[] = [];
  const frontier = [...list.items];
  while (frontier.length > 0) {
    const item = frontier.pop() as ObjectItem;
    const val = item.val;
    if (val.kind === 'object' && val.list.items.length > 0 && val.list.items.every((s) => s.val.kind === 'object')) {
      for (const sub of val.list.items) {
        frontier.push({ kind: 'item', keys: [...item.keys, ...sub.keys], assign: item.assign, val: sub.val });
      }
    } else if (val.kind === 'listType' && val.list.length > 0 && val.list.every((e) => e.kind === 'object')) {
      for (const elem of val.list) {
        frontier.push({ kind: 'item', keys: item.keys, assign: item.assign, val: elem });
      }
    } else {
      items.push(item);
    }
  }
  items.reverse();
  list.items = items;
  for (const item of items) flattenInside(item.val);
}

function flattenInside(node: Node): void {
  if (node.kind === 'object') flattenObjects(node.list);
  else if (node.kind === 'listType') for (const e of node.list) flattenInside(e);
  else if (node.kind === 'list') flattenObjects(node);
}

const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

/** hcl's `lexMode`: JSON when the first non-space character is `{`. */
export function isJsonInput(src: string): boolean {
  for (const ch of src) {
    if (GO_SPACE.test(ch)) continue;
    return ch === '{';
  }
  return false;
}

/** `hcl.Parse`: the root object list of an HCL or JSON document. */
export function parseHclDocument(src: string): ObjectList {
  return isJsonInput(src) ? new JsonParser(src).parse() : new HclParser(src).parse();
}
