/**
 * The public API: a named template set with custom functions, parsed once and executed many
 * times, plus consul-template's two-pass model for dependency functions (functions whose
 * answers are fetched — from Vault — before rendering).
 *
 *   const t = new Template('app.conf').funcs({ env: (k) => … }).dependencies(['lookup']).parse(src);
 *   const calls = t.collect(data);            // what the template needs, de-duplicated
 *   … fetch them in parallel …
 *   t.execute(data, { answers });             // render with the answers
 *   // or all of it, re-collecting until nothing new appears:
 *   await t.render(data, (call) => fetchFromVault(call));
 */
import { GoTemplateError, MissingDependencyError, TemplateExecError } from './errors.js';
import { execute, type DependencyHook, type ExecFunc, type MissingKey } from './exec.js';
import { BUILTINS, FuncError, type FuncSpec } from './funcs.js';
import { staticCalls, type StaticCall } from './calls.js';
import { parseTemplates, type Tree } from './parse.js';
import { sprigFuncs } from './sprig.js';
import { Sensitive, toGoValue, type NumberMode } from './values.js';

export interface TemplateOptions {
  /** What a missing map key gives: Go's `missingkey=default|zero|error`. Default 'default'. */
  missingKey?: MissingKey;
  /** How numbers in data become Go values (see NumberMode). Default 'int-if-integral'. */
  numbers?: NumberMode;
  /** Include the sprig subset. Default true. */
  sprig?: boolean;
}

/** A dependency function call found by `collect`. */
export interface DependencyCall {
  name: string;
  /** The call's arguments as plain values (numbers, strings, …). */
  args: unknown[];
  /** Identity of the call: same name and arguments, same key. */
  key: string;
}

/** Answers to dependency calls, by `DependencyCall.key`. */
export type DependencyAnswers = ReadonlyMap<string, unknown>;

export interface RenderOptions {
  /** How many collect/fetch rounds before giving up (a dependency used to choose another). Default 8. */
  maxPasses?: number;
}

/** The stable identity of a dependency call. */
export function dependencyKey(name: string, args: readonly unknown[]): string {
  return `${name}(${JSON.stringify(args)})`;
}

/** Marks a value returned by a custom function as secret, so errors never show it. */
export function sensitive(value: unknown): Sensitive {
  return new Sensitive(toGoValue(value, 'int-if-integral'));
}

export class Template {
  private readonly trees = new Map<string, Tree>();
  private readonly userFuncs = new Map<string, ExecFunc>();
  private readonly options: Required<TemplateOptions>;
  private frozenFuncs: ReadonlyMap<string, ExecFunc> | null = null;

  constructor(
    readonly name: string,
    options: TemplateOptions = {},
  ) {
    this.options = { missingKey: 'default', numbers: 'int-if-integral', sprig: true, ...options };
  }

  /**
   * Adds functions. They receive plain JavaScript values (ints as numbers, missing as null)
   * and may return any JSON-like value; a thrown Error becomes `error calling NAME: message`.
   * As in Go, functions must be added before `parse` that uses them.
   */
  funcs(map: Record<string, (...args: never[]) => unknown>): this {
    for (const [name, f] of Object.entries(map)) {
      checkFuncName(name);
      this.userFuncs.set(name, {
        params: [],
        variadic: 'any',
        fn: (args) => (f as (...a: unknown[]) => unknown)(...args),
      });
    }
    this.frozenFuncs = null;
    return this;
  }

  /**
   * Declares dependency functions: calls to them are collected, answered by the caller (in
   * parallel, de-duplicated), and their answers are treated as secrets.
   */
  dependencies(names: readonly string[]): this {
    for (const name of names) {
      checkFuncName(name);
      this.userFuncs.set(name, {
        params: [],
        variadic: 'any',
        dependency: true,
        fn: () => {
          throw new FuncError('dependency functions are answered by the executor');
        },
      });
    }
    this.frozenFuncs = null;
    return this;
  }

  /** Parses `text` as this template's body (its `define`s join the set). Bad text changes nothing. */
  parse(text: string): this {
    const funcs = this.funcTable();
    parseTemplates(this.name, text, (n) => funcs.has(n) || BUILTINS.has(n), this.trees);
    return this;
  }

  /** Parses `text` as another named template in this set (like Go's `t.New(name).Parse(text)`). */
  parseNamed(name: string, text: string): this {
    const funcs = this.funcTable();
    parseTemplates(name, text, (n) => funcs.has(n) || BUILTINS.has(n), this.trees);
    return this;
  }

  /**
   * Every call of the functions `names` written in the set's templates, with its literal arguments, without
   * rendering: see {@link staticCalls}.
   */
  calls(names: readonly string[]): StaticCall[] {
    return staticCalls(
      [...this.trees.values()].map((tree) => tree.root),
      names,
    );
  }

  /** Names of the templates in the set, sorted. */
  definedTemplates(): string[] {
    return [...this.trees.keys()].sort();
  }

  /** Renders the template. Every dependency call must have an answer. */
  execute(data: unknown, opts: { answers?: DependencyAnswers; template?: string } = {}): string {
    const answers = opts.answers ?? new Map<string, unknown>();
    const hook: DependencyHook = (name, args) => {
      const key = dependencyKey(name, args);
      if (!answers.has(key)) throw new MissingDependencyError(`no answer was supplied for ${key}`);
      return new Sensitive(toGoValue(answers.get(key), this.options.numbers));
    };
    return this.run(opts.template ?? this.name, data, hook);
  }

  /**
   * The first pass: executes with placeholders for unanswered dependency calls and returns
   * those calls, de-duplicated. A pass that fails only because a placeholder was used (an
   * `index` into an unknown answer, say) is not an error: the next pass, with answers, goes on.
   */
  collect(data: unknown, answers: DependencyAnswers = new Map(), template = this.name): DependencyCall[] {
    const found = new Map<string, DependencyCall>();
    const hook: DependencyHook = (name, args) => {
      const key = dependencyKey(name, args);
      if (answers.has(key)) return new Sensitive(toGoValue(answers.get(key), this.options.numbers));
      if (!found.has(key)) found.set(key, { name, args, key });
      return new Sensitive(null, true);
    };
    try {
      this.run(template, data, hook);
    } catch (err) {
      if (!(err instanceof TemplateExecError) || found.size === 0) throw err;
    }
    return [...found.values()];
  }

  /**
   * Collects, fetches (all calls of a round in parallel), and repeats until a pass finds no new
   * calls — so a dependency used in `if`/`range`/as another's argument is handled — then renders.
   */
  async render(
    data: unknown,
    resolve: (call: DependencyCall) => Promise<unknown>,
    opts: RenderOptions = {},
  ): Promise<string> {
    const maxPasses = opts.maxPasses ?? 8;
    const answers = new Map<string, unknown>();
    for (let pass = 0; pass < maxPasses; pass++) {
      const calls = this.collect(data, answers);
      if (calls.length === 0) return this.execute(data, { answers });
      const results = await Promise.all(calls.map((c) => resolve(c)));
      calls.forEach((c, i) => answers.set(c.key, results[i]));
    }
    throw new GoTemplateError(
      `template: ${this.name}: dependencies still changing after ${maxPasses} passes; is a dependency's answer used to choose another in a loop?`,
    );
  }

  private run(template: string, data: unknown, dependency: DependencyHook): string {
    return execute(this.trees, template, data, {
      missingKey: this.options.missingKey,
      numbers: this.options.numbers,
      funcs: this.funcTable(),
      dependency,
    });
  }

  private funcTable(): ReadonlyMap<string, ExecFunc> {
    if (!this.frozenFuncs) {
      const table = new Map<string, FuncSpec>(this.options.sprig ? sprigFuncs(this.options.numbers) : []);
      for (const [k, v] of this.userFuncs) table.set(k, v);
      this.frozenFuncs = table;
    }
    return this.frozenFuncs;
  }
}

function checkFuncName(name: string): void {
  if (!/^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name)) {
    throw new GoTemplateError(`function name ${JSON.stringify(name)} is not a valid identifier`);
  }
}
