/**
 * The parser, as Go's text/template/parse/parse.go: a recursive descent over the lexer's items
 * with up to three items of look-ahead. It produces one tree per template (the main text plus
 * each `define`/`block`), and reports errors with Go's wording and line numbers.
 */
import { TemplateParseError } from './errors.js';
import { goQuote, lex, type Item, type ItemType } from './lex.js';
import type {
  ArgNode,
  BranchNode,
  CommandNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  VariableNode,
} from './node.js';
import { nodeString } from './node.js';
import { parseGoNumber, unquoteChar, unquoteGoString } from './literals.js';

export interface Tree {
  name: string;
  /** The name of the source text the tree came from, used in error messages. */
  parseName: string;
  text: string;
  root: ListNode;
}

/** Thrown inside the parser; turned into a TemplateParseError at the top. */
class Bail extends Error {}

const isEmptyTree = (list: ListNode): boolean => list.nodes.every((n) => n.type === 'text' && n.text.trim() === '');

/**
 * Parses `text` as template `name`. Returns every tree it defines, keyed by name, merged into
 * `into` (so several sources can share definitions, as Go's template sets do).
 */
export function parseTemplates(
  name: string,
  text: string,
  hasFunction: (name: string) => boolean,
  into: Map<string, Tree>,
): void {
  const items = lex(text);
  const parser = new Parser(name, text, items, hasFunction, into);
  parser.parseMain();
}

class Parser {
  private i = 0;
  private furthest = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;
  private readonly added: Tree[] = [];

  constructor(
    private readonly parseName: string,
    private readonly text: string,
    private readonly items: Item[],
    private readonly hasFunction: (name: string) => boolean,
    private readonly treeSet: Map<string, Tree>,
  ) {}

  parseMain(): void {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    // Trees are added to a scratch copy first, so a template that fails to parse changes nothing.
    const scratch = new Map(this.treeSet);
    try {
      while (this.peek().type !== 'eof') {
        if (this.peek().type === 'leftDelim') {
          const delim = this.next();
          if (this.nextNonSpace().type === 'define') {
            this.parseDefinition(scratch);
            continue;
          }
          this.backupTo(delim);
        }
        const n = this.textOrAction(scratch);
        if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
        root.nodes.push(n);
      }
      this.add(scratch, { name: this.parseName, parseName: this.parseName, text: this.text, root });
    } catch (err) {
      if (err instanceof Bail) throw err.cause;
      throw err;
    }
    for (const [k, v] of scratch) this.treeSet.set(k, v);
  }

  // --- item cursor ---------------------------------------------------------------------------

  private next(): Item {
    const item = this.items[Math.min(this.i, this.items.length - 1)]!;
    this.i++;
    this.furthest = Math.max(this.furthest, this.i - 1);
    return item;
  }
  private backup(): void {
    this.i--;
  }
  /** Backs up to re-read from `item` (which must have been read). */
  private backupTo(item: Item): void {
    this.i = this.items.indexOf(item);
  }
  private peek(): Item {
    const item = this.next();
    this.backup();
    return item;
  }
  private nextNonSpace(): Item {
    let item: Item;
    do item = this.next();
    while (item.type === 'space');
    return item;
  }
  private peekNonSpace(): Item {
    const item = this.nextNonSpace();
    this.backup();
    return item;
  }
  private expect(type: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== type) this.unexpected(token, context);
    return token;
  }

  private errorf(detail: string): never {
    const line = this.items[Math.min(this.furthest, this.items.length - 1)]!.line;
    throw new Bail('parse', { cause: new TemplateParseError(this.parseName, line, detail) });
  }
  private unexpected(token: Item, context: string): never {
    if (token.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${token.val}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  /** Go's Tree.add: a second non-empty definition of a name in one source is an error. */
  private add(treeSet: Map<string, Tree>, tree: Tree): void {
    const existing = this.added.find((t) => t.name === tree.name);
    if (existing && !isEmptyTree(existing.root)) {
      if (!isEmptyTree(tree.root)) this.errorf(`template: multiple definition of template ${goQuote(tree.name)}`);
      return;
    }
    if (existing) this.added.splice(this.added.indexOf(existing), 1);
    this.added.push(tree);
    // Across sources the newer definition wins, but an empty one never replaces a real one.
    const previous = treeSet.get(tree.name);
    if (!previous || !isEmptyTree(tree.root) || isEmptyTree(previous.root)) treeSet.set(tree.name, tree);
  }

  // --- structure -----------------------------------------------------------------------------

  /**
   * Parses a define or block body as Go does, with a Tree of its own: a fresh variable scope
   * (the body cannot see outer variables), no enclosing range, and no enclosing action line.
   */
  private inNewScope<T>(fn: () => T): T {
    const [vars, depth, actionLine] = [this.vars, this.rangeDepth, this.actionLine];
    this.vars = ['$'];
    this.rangeDepth = 0;
    this.actionLine = 0;
    try {
      return fn();
    } finally {
      this.vars = vars;
      this.rangeDepth = depth;
      this.actionLine = actionLine;
    }
  }

  private parseDefinition(treeSet: Map<string, Tree>): void {
    const context = 'define clause';
    const nameItem = this.nextNonSpace();
    if (nameItem.type !== 'string' && nameItem.type !== 'rawString') this.unexpected(nameItem, context);
    const name = this.unquote(nameItem.val);
    this.expect('rightDelim', context);
    this.inNewScope(() => {
      const [root, end] = this.itemList(treeSet);
      if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
      this.add(treeSet, { name, parseName: this.parseName, text: this.text, root });
    });
  }

  private itemList(treeSet: Map<string, Tree>): [ListNode, Node] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction(treeSet);
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(treeSet: Map<string, Tree>): Node {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'text':
        return { type: 'text', pos: token.pos, text: token.val };
      case 'leftDelim': {
        this.actionLine = token.line;
        try {
          return this.action(treeSet);
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(treeSet: Map<string, Tree>): Node {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'block':
        return this.blockControl(treeSet);
      case 'break':
      case 'continue':
        return this.breakControl(token);
      case 'else':
        return this.elseControl();
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
      case 'range':
      case 'with':
        return this.branchControl(token.type, treeSet);
      case 'template':
        return this.templateControl();
      default:
        break;
    }
    this.backup();
    const start = this.peek();
    return { type: 'action', pos: start.pos, line: start.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private breakControl(token: Item): Node {
    const next = this.nextNonSpace();
    if (next.type !== 'rightDelim') this.unexpected(next, `{{${token.val}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${token.val}}} outside {{range}}`);
    return { type: token.type as 'break' | 'continue', pos: token.pos, line: token.line };
  }

  private elseControl(): Node {
    const peek = this.peekNonSpace();
    // `{{else if …}}` and `{{else with …}}` leave the keyword pending for branchControl.
    if (peek.type === 'if' || peek.type === 'with') return { type: 'else', pos: peek.pos, line: peek.line };
    const token = this.expect('rightDelim', 'else');
    return { type: 'else', pos: token.pos, line: token.line };
  }

  private branchControl(context: 'if' | 'range' | 'with', treeSet: Map<string, Tree>): BranchNode {
    const varCount = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const [list, next] = this.itemList(treeSet);
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        const pending = this.peek().type;
        if ((context === 'if' && pending === 'if') || (context === 'with' && pending === 'with')) {
          // `{{if a}}…{{else if b}}…{{end}}` is `{{if a}}…{{else}}{{if b}}…{{end}}{{end}}`.
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.branchControl(context, treeSet)] };
        } else {
          const [list2, end] = this.itemList(treeSet);
          if (end.type !== 'end') this.errorf(`expected end; found ${nodeString(end)}`);
          elseList = list2;
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = varCount;
    }
  }

  private templateName(token: Item, context: string): string {
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, context);
    return this.unquote(token.val);
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: token.pos, line: token.line, name, pipe };
  }

  private blockControl(treeSet: Map<string, Tree>): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    // Go parses the body with a separate Tree, so this tree's "current token" (whose line its
    // errors report) is still the block's `}}` when the body ends.
    const outerFurthest = this.furthest;
    this.inNewScope(() => {
      const [root, end] = this.itemList(treeSet);
      if (end.type === 'end') this.add(treeSet, { name, parseName: this.parseName, text: this.text, root });
      this.furthest = outerFurthest;
      if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    });
    return { type: 'template', pos: token.pos, line: token.line, name, pipe };
  }

  // --- pipelines -----------------------------------------------------------------------------

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: token.pos, line: token.line, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      this.nextNonSpace();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const after = this.peekNonSpace().type;
          if (after === 'variable' || after === 'rightDelim' || after === 'rightParen') continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.type === 'space') {
        this.backupTo(v);
      } else {
        this.backupTo(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.type) {
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const first = c.args[0]!.type;
      if (first === 'bool' || first === 'dot' || first === 'nil' || first === 'number' || first === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === 'rightDelim' || token.type === 'rightParen') this.backup();
      else if (token.type !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node) return null;
    if (this.peek().type !== 'field') return node;
    const chainPos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      // falls through: errorf never returns
      default:
        return { type: 'chain', pos: chainPos, node, field: fields };
    }
  }

  private term(): ArgNode | null {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'identifier':
        if (!this.hasFunction(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { type: 'identifier', pos: token.pos, ident: token.val };
      case 'dot':
        return { type: 'dot', pos: token.pos };
      case 'nil':
        return { type: 'nil', pos: token.pos };
      case 'variable':
        return this.useVar(token.pos, token.val);
      case 'field':
        return { type: 'field', pos: token.pos, ident: [token.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: token.pos, value: token.val === 'true' };
      case 'charConstant':
      case 'complex':
      case 'number':
        return this.newNumber(token);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: token.pos, quoted: token.val, text: this.unquote(token.val) };
      default:
        this.backup();
        return null;
    }
  }

  private newVariable(pos: number, name: string): VariableNode {
    return { type: 'variable', pos, ident: name.split('.') };
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0]!)) this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`);
    return v;
  }

  private newNumber(token: Item): NumberNode {
    if (token.type === 'complex' || (token.type === 'number' && token.val.endsWith('i'))) {
      // Deliberate divergence: Go accepts complex constants; no template of ours needs them.
      this.errorf(`complex number ${goQuote(token.val)} is not supported`);
    }
    if (token.type === 'charConstant') {
      const r = unquoteChar(token.val);
      if (typeof r === 'string') this.errorf(r);
      return { type: 'number', pos: token.pos, isInt: true, isFloat: true, int: BigInt(r), float: r, text: token.val };
    }
    const parsed = parseGoNumber(token.val);
    if (typeof parsed === 'string') this.errorf(parsed);
    return { type: 'number', pos: token.pos, text: token.val, ...parsed };
  }

  private unquote(quoted: string): string {
    const s = unquoteGoString(quoted);
    if (s === null) this.errorf('invalid syntax');
    return s;
  }
}

/** An item as Go's `item.String()` prints it in "unexpected …" messages. */
function itemString(item: Item): string {
  if (item.type === 'eof') return 'EOF';
  if (item.type === 'error') return item.val;
  if (KEYWORD_TYPES.has(item.type)) return `<${item.val}>`;
  const runes = [...item.val];
  if (runes.length > 10) return `${goQuote(runes.slice(0, 10).join(''))}...`;
  return goQuote(item.val);
}

const KEYWORD_TYPES: ReadonlySet<ItemType> = new Set<ItemType>([
  'block',
  'break',
  'continue',
  'dot',
  'define',
  'else',
  'end',
  'if',
  'nil',
  'range',
  'template',
  'with',
]);
