/**
 * The parse tree, as Go's text/template/parse/node.go. Every node keeps its offset in the
 * source so execution errors can name line and column; `nodeString` renders a node back to
 * template text for the `at <…>` part of Go's error messages.
 */
import { goQuote } from './lex.js';

interface At {
  /** Offset in the source text (UTF-16 units). */
  pos: number;
}

export interface ListNode extends At {
  type: 'list';
  nodes: Node[];
}
export interface TextNode extends At {
  type: 'text';
  text: string;
}
export interface ActionNode extends At {
  type: 'action';
  line: number;
  pipe: PipeNode;
}
export interface PipeNode extends At {
  type: 'pipe';
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode extends At {
  type: 'command';
  args: ArgNode[];
}
export interface IdentifierNode extends At {
  type: 'identifier';
  ident: string;
}
export interface VariableNode extends At {
  type: 'variable';
  /** `$x.a.b` → ['$x', 'a', 'b']. */
  ident: string[];
}
export interface DotNode extends At {
  type: 'dot';
}
export interface NilNode extends At {
  type: 'nil';
}
export interface FieldNode extends At {
  type: 'field';
  /** `.a.b` → ['a', 'b']. */
  ident: string[];
}
export interface ChainNode extends At {
  type: 'chain';
  node: ArgNode;
  field: string[];
}
export interface BoolNode extends At {
  type: 'bool';
  value: boolean;
}
export interface NumberNode extends At {
  type: 'number';
  isInt: boolean;
  isFloat: boolean;
  int: bigint;
  float: number;
  text: string;
}
export interface StringNode extends At {
  type: 'string';
  quoted: string;
  text: string;
}
export interface BranchNode extends At {
  type: 'if' | 'range' | 'with';
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface BreakNode extends At {
  type: 'break' | 'continue';
  line: number;
}
export interface TemplateNode extends At {
  type: 'template';
  line: number;
  name: string;
  pipe: PipeNode | null;
}
/** Returned by the parser for `{{end}}` / `{{else}}`; never left in a finished tree. */
export interface EndNode extends At {
  type: 'end';
}
export interface ElseNode extends At {
  type: 'else';
  line: number;
}

export type ArgNode =
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type Node =
  ListNode | TextNode | ActionNode | BranchNode | BreakNode | TemplateNode | EndNode | ElseNode | CommandNode | ArgNode;

/** Template text for a node, as Go's `Node.String()`. */
export function nodeString(n: Node): string {
  switch (n.type) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return n.text;
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = `${n.decl.map(nodeString).join(', ')} ${n.isAssign ? '=' : ':='} `;
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return n.ident.map((f) => `.${f}`).join('');
    case 'chain': {
      const inner = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return inner + n.field.map((f) => `.${f}`).join('');
    }
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'if':
    case 'range':
    case 'with': {
      const elsePart = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${elsePart}{{end}}`;
    }
    case 'break':
    case 'continue':
      return `{{${n.type}}}`;
    case 'template':
      return n.pipe ? `{{template ${goQuote(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${goQuote(n.name)}}}`;
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
  }
}
