/**
 * The calls a template set makes to named functions, read off the parse trees without running anything: what a
 * tool can know about a template before it is rendered (which secrets it reads, say). An argument is its literal
 * value when the source spells it out (`"KEY"`, `2`, `true`, `nil`), and {@link NOT_LITERAL} when it is computed
 * (a variable, a field of the data, another call, or the value piped in from the command before).
 */
import type { ArgNode, ListNode, Node, PipeNode } from './node.js';

/** An argument whose value only rendering would tell. */
export const NOT_LITERAL: unique symbol = Symbol('not a literal');

export type StaticArg = string | number | boolean | null | typeof NOT_LITERAL;

export interface StaticCall {
  name: string;
  args: StaticArg[];
}

function literal(arg: ArgNode): StaticArg {
  switch (arg.type) {
    case 'string':
      return arg.text;
    case 'bool':
      return arg.value;
    case 'nil':
      return null;
    case 'number':
      return arg.isInt ? Number(arg.int) : arg.float;
    default:
      return NOT_LITERAL;
  }
}

function walkPipe(pipe: PipeNode | null, names: ReadonlySet<string>, out: StaticCall[]): void {
  if (pipe === null) return;
  pipe.cmds.forEach((cmd, index) => {
    const [head, ...rest] = cmd.args;
    if (head?.type === 'identifier' && names.has(head.ident)) {
      const args = rest.map(literal);
      // `{{ "KEY" | lookup }}`: the command before gives the last argument.
      if (index > 0) args.push(NOT_LITERAL);
      out.push({ name: head.ident, args });
    }
    for (const arg of cmd.args) walkArg(arg, names, out);
  });
}

/** Calls inside an argument: a parenthesised pipeline, or one a field is taken of (`(lookup "X").y`). */
function walkArg(arg: ArgNode, names: ReadonlySet<string>, out: StaticCall[]): void {
  if (arg.type === 'pipe') walkPipe(arg, names, out);
  else if (arg.type === 'chain') walkArg(arg.node, names, out);
}

function walk(node: Node | null, names: ReadonlySet<string>, out: StaticCall[]): void {
  if (node === null) return;
  switch (node.type) {
    case 'list':
      for (const child of (node as ListNode).nodes) walk(child, names, out);
      return;
    case 'action':
      walkPipe(node.pipe, names, out);
      return;
    case 'if':
    case 'range':
    case 'with':
      walkPipe(node.pipe, names, out);
      walk(node.list, names, out);
      walk(node.elseList, names, out);
      return;
    case 'template':
      walkPipe(node.pipe, names, out);
      return;
    default:
      return;
  }
}

/** Every call of the functions `names` in the trees' source order, each as often as it is written. */
export function staticCalls(roots: Iterable<ListNode>, names: readonly string[]): StaticCall[] {
  const wanted = new Set(names);
  const out: StaticCall[] = [];
  for (const root of roots) walk(root, wanted, out);
  return out;
}
