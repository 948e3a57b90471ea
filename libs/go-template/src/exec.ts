/**
 * The executor, as Go's text/template/exec.go: walks a tree with a data cursor (dot) and a
 * stack of variables, writing text. Errors name the source, line, byte column, the template
 * being executed and the failing node, in Go's words.
 *
 * Secrets: a value returned by a dependency function is wrapped in `Sensitive`. Anything
 * computed from it stays wrapped, and an error raised while one is in play never shows a
 * value — the class of bug behind consul-template's CVE-2022-38149.
 */
import { GoTemplateError, TemplateExecError, lineAndColumn } from './errors.js';
import { formatV } from './fmt.js';
import { BUILTINS, PARAM_TYPE_NAMES, type FuncSpec, type ParamKind } from './funcs.js';
import type { ArgNode, BranchNode, CommandNode, IdentifierNode, Node, PipeNode, TemplateNode } from './node.js';
import { nodeString } from './node.js';
import type { Tree } from './parse.js';
import {
  Sensitive,
  Uint8,
  isMap,
  isSensitive,
  isTrue,
  sortedKeys,
  toGoValue,
  toHostValue,
  typeName,
  unwrap,
  type GoValue,
  type NumberMode,
} from './values.js';

export type MissingKey = 'default' | 'zero' | 'error';

/** A function as the executor sees it: a spec, and whether it is a dependency function. */
export interface ExecFunc extends FuncSpec {
  dependency?: boolean;
}

/** Answers a dependency call (name and plain arguments) during execution. */
export type DependencyHook = (name: string, args: unknown[]) => GoValue;

export interface ExecOptions {
  missingKey: MissingKey;
  numbers: NumberMode;
  funcs: ReadonlyMap<string, ExecFunc>;
  dependency: DependencyHook;
}

/** Go allows 100000 nested template calls natively and 1000 on WASM; a JavaScript stack holds
 * about the latter, so we use 1000 (and the WASM oracle agrees). */
const MAX_EXEC_DEPTH = 1000;
/** Nesting beyond which an unexpected error out of a template call is taken to be a stack overflow. */
const DEEP = 100;

/** The data cursor. `iface` records that the value was reached through an interface{} (a map
 * entry or range element), which only changes the type Go names in some error messages. */
interface Dot {
  v: GoValue;
  iface: boolean;
}

interface Variable {
  name: string;
  dot: Dot;
}

const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');

const concrete = (v: GoValue): Dot => ({ v: v === null ? undefined : v, iface: false });

export function execute(trees: ReadonlyMap<string, Tree>, name: string, data: unknown, options: ExecOptions): string {
  const tree = trees.get(name);
  if (!tree) {
    throw new TemplateExecError(name, 0, 0, name, '', `no template ${JSON.stringify(name)} defined`);
  }
  const dot: Dot = { v: toGoValue(data, options.numbers), iface: false };
  const state = new State(trees, tree, options, [{ name: '$', dot }], 0);
  state.walk(dot, tree.root);
  return state.out.join('');
}

class State {
  readonly out: string[] = [];
  private at: Node | null = null;

  constructor(
    private readonly trees: ReadonlyMap<string, Tree>,
    private readonly tree: Tree,
    private readonly options: ExecOptions,
    private readonly vars: Variable[],
    private readonly depth: number,
    out?: string[],
  ) {
    if (out) this.out = out;
  }

  // --- errors --------------------------------------------------------------------------------

  private errorf(detail: string, functionName?: string): never {
    const node = this.at;
    const pos = node ? node.pos : 0;
    const { line, column } = lineAndColumn(this.tree.text, pos);
    const context = node ? nodeString(node) : '';
    throw new TemplateExecError(this.tree.parseName, line, column, this.tree.name, context, detail, functionName);
  }

  /** Shows a value in a message unless it is (derived from) a secret. */
  private show(v: GoValue): string {
    return isSensitive(v) ? '<redacted>' : formatV(v);
  }

  // --- variables -----------------------------------------------------------------------------

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private setVar(name: string, dot: Dot): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.dot = dot;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, dot: Dot): void {
    this.vars[this.vars.length - n]!.dot = dot;
  }
  private varValue(name: string): Dot {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) return this.vars[i]!.dot;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking -------------------------------------------------------------------------------

  walk(dot: Dot, node: Node): void {
    this.at = node;
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.out.push(node.text);
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(dot: Dot, node: BranchNode): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val.v)) {
        this.walk(node.type === 'with' ? val : dot, node.list);
      } else if (node.elseList) {
        this.walk(dot, node.elseList);
      }
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: Dot, r: BranchNode): void {
    this.at = r;
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const u = unwrap(val.v);
      const secret = isSensitive(val.v);
      const keep = (v: GoValue): GoValue => (secret && !isSensitive(v) ? new Sensitive(v) : v);
      const decl = r.pipe.decl;
      const oneIteration = (index: Dot, elem: Dot): void => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        const inner = this.mark();
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(inner);
        }
      };
      let ran = false;
      try {
        if (Array.isArray(u)) {
          u.forEach((e, i) => {
            ran = true;
            oneIteration({ v: BigInt(i), iface: false }, { v: keep(e), iface: true });
          });
        } else if (isMap(u)) {
          for (const k of sortedKeys(u)) {
            ran = true;
            oneIteration({ v: keep(k), iface: true }, { v: keep(u[k]), iface: true });
          }
        } else if (typeof u === 'bigint' || u instanceof Uint8) {
          if (decl.length > 1) this.errorf(`can't use ${this.show(val.v)} to iterate over more than one variable`);
          const n = typeof u === 'bigint' ? u : BigInt(u.value);
          for (let i = 0n; i < n; i++) {
            ran = true;
            const v = typeof u === 'bigint' ? i : new Uint8(Number(i));
            oneIteration({ v: undefined, iface: false }, { v: keep(v), iface: false });
          }
        } else if (u !== undefined && u !== null) {
          this.errorf(`range can't iterate over ${this.show(val.v)}`);
        }
      } catch (e) {
        if (e !== BREAK) throw e;
        return;
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkTemplate(dot: Dot, t: TemplateNode): void {
    this.at = t;
    const tree = this.trees.get(t.name);
    if (!tree) this.errorf(`template ${JSON.stringify(t.name)} not defined`);
    if (this.depth >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : concrete(undefined);
    const inner = new State(this.trees, tree, this.options, [{ name: '$', dot: newDot }], this.depth + 1, this.out);
    try {
      inner.walk(newDot, tree.root);
    } catch (err) {
      // A small stack can run out before the depth limit: report it as the limit, here. (Only
      // our own errors are expected out of a template body; anything else this deep is the
      // stack — even the check below could overflow, so it is kept to an instanceof.)
      if (!(err instanceof GoTemplateError) && this.depth >= DEEP) {
        this.at = t;
        this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
      }
      throw err;
    }
  }

  private printValue(node: Node, val: Dot): void {
    this.at = node;
    const u = unwrap(val.v);
    if (u === undefined) {
      this.out.push('<no value>');
      return;
    }
    if (typeof u === 'function') this.errorf(`can't print ${nodeString(node)} of type ${typeName(u)}`);
    this.out.push(formatV(u));
  }

  // --- evaluation ----------------------------------------------------------------------------

  private evalPipeline(dot: Dot, pipe: PipeNode): Dot {
    this.at = pipe;
    let value: Dot | null = null;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go digs one level into interface{} results: a nil inside becomes "no value".
      value = { v: unwrap(value.v) === null ? (isSensitive(value.v) ? value.v : undefined) : value.v, iface: false };
    }
    const result = value ?? concrete(undefined);
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.ident[0]!, result);
      else this.vars.push({ name: variable.ident[0]!, dot: result });
    }
    return result;
  }

  private notAFunction(args: readonly ArgNode[], final: Dot | null): void {
    if (args.length > 1 || final !== null) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: Dot, cmd: CommandNode, final: Dot | null): Dot {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        this.at = first;
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
      default:
        break;
    }
    this.at = first;
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return concrete(first.value);
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // falls through: errorf never returns
      case 'number':
        return concrete(this.idealConstant(first));
      case 'string':
        return concrete(first.text);
    }
  }

  private idealConstant(n: Extract<ArgNode, { type: 'number' }>): GoValue {
    this.at = n;
    const isHexInt = /^0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    const isRuneInt = n.text.startsWith("'");
    if (n.isFloat && !isHexInt && !isRuneInt && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) return n.int;
    return undefined;
  }

  private evalChainNode(
    dot: Dot,
    chain: Extract<ArgNode, { type: 'chain' }>,
    args: readonly ArgNode[],
    final: Dot | null,
  ): Dot {
    this.at = chain;
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(
    dot: Dot,
    variable: Extract<ArgNode, { type: 'variable' }>,
    args: readonly ArgNode[],
    final: Dot | null,
  ): Dot {
    this.at = variable;
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: Dot,
    receiver: Dot,
    node: Node,
    ident: readonly string[],
    args: readonly ArgNode[],
    final: Dot | null,
  ): Dot {
    let cur = receiver;
    for (let i = 0; i < ident.length - 1; i++) cur = this.evalField(ident[i]!, [], null, cur);
    return this.evalField(ident[ident.length - 1]!, args, final, cur);
  }

  private evalField(fieldName: string, args: readonly ArgNode[], final: Dot | null, receiver: Dot): Dot {
    const secret = isSensitive(receiver.v);
    const u = unwrap(receiver.v);
    if (u === undefined) {
      if (this.options.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(fieldName)}`);
      return concrete(undefined);
    }
    if (u === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    if (isMap(u)) {
      if (args.length > 1 || final !== null) this.errorf(`${fieldName} is not a method but has arguments`);
      if (Object.hasOwn(u, fieldName)) {
        const v = u[fieldName];
        return {
          v: secret && !isSensitive(v) ? new Sensitive(v, (receiver.v as Sensitive).placeholder) : v,
          iface: true,
        };
      }
      if (this.options.missingKey === 'error') this.errorf(`map has no entry for key ${JSON.stringify(fieldName)}`);
      return { v: this.options.missingKey === 'zero' ? null : undefined, iface: true };
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${receiver.iface ? 'interface {}' : typeName(u)}`);
  }

  private evalFunction(dot: Dot, node: IdentifierNode, cmd: Node, args: readonly ArgNode[], final: Dot | null): Dot {
    this.at = node;
    const name = node.ident;
    const fn = this.options.funcs.get(name) ?? BUILTINS.get(name);
    if (!fn) this.errorf(`${JSON.stringify(name)} is not a defined function`);
    return this.evalCall(dot, fn, cmd, name, args, final);
  }

  private evalCall(
    dot: Dot,
    fn: ExecFunc,
    node: Node,
    name: string,
    allArgs: readonly ArgNode[],
    final: Dot | null,
  ): Dot {
    const args = allArgs.slice(1);
    const isBuiltin = !this.options.funcs.has(name);
    const numIn = args.length + (final !== null ? 1 : 0);
    const numFixed = fn.params.length;
    if (fn.variadic !== null) {
      if (numIn < numFixed)
        this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== numFixed) {
      this.errorf(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    }
    const kindAt = (i: number): ParamKind => (i < numFixed ? fn.params[i]! : fn.variadic!);

    if (isBuiltin && (name === 'and' || name === 'or')) {
      // Short-circuit: later arguments are not evaluated once the answer is known.
      let v: Dot = concrete(undefined);
      for (const arg of args) {
        v = this.evalArg(dot, 'value', arg);
        if (isTrue(v.v) === (name === 'or')) return v;
      }
      if (final !== null) v = final;
      return v;
    }

    const argv: GoValue[] = args.map((arg, i) => this.evalArg(dot, kindAt(i), arg).v);
    if (final !== null) argv.push(this.validateType(final, kindAt(numIn - 1)).v);

    const tainted = argv.some(isSensitive);
    const placeholder = argv.some((a) => a instanceof Sensitive && a.placeholder);
    const plain = argv.map((a) => unwrap(a));
    let result: unknown;
    try {
      if (fn.dependency) {
        // An argument not known yet (collect pass) makes this call's answer unknown too.
        if (placeholder) return { v: new Sensitive(null, true), iface: false };
        return {
          v: this.options.dependency(
            name,
            plain.map((a) => toHostValue(a)),
          ),
          iface: false,
        };
      }
      result = fn.fn(fn.returnsGoValue ? plain : (plain.map((a) => toHostValue(a)) as GoValue[]), {
        argText: (i) => nodeString(args[i] ?? allArgs[0]!),
      });
    } catch (err) {
      this.at = node;
      const messageIsSafe = fn.messageArg !== undefined && !isSensitive(argv[fn.messageArg]);
      if (tainted && !messageIsSafe) {
        // Never let a secret reach an error message: the function's own text may quote it.
        this.errorf(`error calling ${name}: an argument is a secret, so the details are withheld`, name);
      }
      const message = err instanceof Error ? err.message : String(err);
      this.errorf(`error calling ${name}: ${message}`, name);
    }
    let v: GoValue = fn.returnsGoValue ? (result as GoValue) : toGoValue(result, this.options.numbers);
    if (tainted && !isSensitive(v)) v = new Sensitive(v, placeholder);
    return { v, iface: false };
  }

  /** Go's validateType for the parameter kinds we have. */
  private validateType(value: Dot, kind: ParamKind | null): Dot {
    const u = unwrap(value.v);
    if (kind === null || kind === 'value' || kind === 'any') {
      return u === undefined && kind === 'any' ? concrete(null) : value;
    }
    const expected = PARAM_TYPE_NAMES[kind];
    if (u === undefined) {
      if (kind === 'map') return concrete(null);
      this.errorf(`invalid value; expected ${expected}`);
    }
    if (u === null && kind === 'map') return value;
    if (!hasKind(u, kind)) {
      this.errorf(`wrong type for value; expected ${expected}; got ${u === null ? 'interface {}' : typeName(u)}`);
    }
    return value;
  }

  private evalArg(dot: Dot, kind: ParamKind | null, n: ArgNode): Dot {
    this.at = n;
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, kind);
      case 'nil':
        if (kind === 'string' || kind === 'int' || kind === 'bool') this.errorf(`cannot assign nil to ${kind}`);
        return kind === 'value' || kind === null ? concrete(undefined) : { v: null, iface: false };
      case 'field':
        return this.validateType(this.evalFieldChain(dot, dot, n, n.ident, [n], null), kind);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, [n], null), kind);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), kind);
      case 'identifier': {
        const fn = this.options.funcs.get(n.ident) ?? BUILTINS.get(n.ident);
        if (!fn) this.errorf(`${JSON.stringify(n.ident)} is not a defined function`);
        return this.validateType(this.evalCall(dot, fn, n, n.ident, [n], null), kind);
      }
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, [], null), kind);
      default:
        break;
    }
    switch (kind) {
      case 'string':
        if (n.type === 'string') return concrete(n.text);
        this.errorf(`expected string; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'int':
        if (n.type === 'number' && n.isInt) return concrete(n.int);
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'bool':
        if (n.type === 'bool') return concrete(n.value);
        this.errorf(`expected bool; found ${nodeString(n)}`);
      // falls through: errorf never returns
      case 'map':
        this.errorf(`can't handle ${nodeString(n)} for arg of type map[string]interface {}`);
      // falls through: errorf never returns
      default:
        break;
    }
    switch (n.type) {
      case 'bool':
        return concrete(n.value);
      case 'number':
        return concrete(this.idealConstant(n));
      case 'string':
        return concrete(n.text);
    }
  }
}

function hasKind(u: GoValue, kind: 'string' | 'int' | 'bool' | 'map'): boolean {
  switch (kind) {
    case 'string':
      return typeof u === 'string';
    case 'int':
      return typeof u === 'bigint';
    case 'bool':
      return typeof u === 'boolean';
    case 'map':
      return isMap(u);
  }
}
