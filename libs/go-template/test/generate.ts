/**
 * A generator of Go templates and data for differential testing: random but mostly
 * well-formed templates (text, actions, pipelines, variables, if/with/range with else and
 * break/continue, comparisons, printf verbs, trim markers, comments, define/template/block),
 * a share of them mutated into malformed ones, and JSON data for them to run over.
 * Deterministic for a seed.
 */

export type Rng = () => number;

/** mulberry32: small, fast, good enough to pick grammar productions. */
export function rngFromSeed(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const chance = (rng: Rng, p: number): boolean => rng() < p;

// --- data ------------------------------------------------------------------------------------

const STRINGS = ['', 'a', 'hello', 'x y', '<b>&"q"\'', 'é', '0', 'true', 'line\nbreak', 'tab\there', 'a=b&c'];
const NUMBERS = [0, 1, 2, -3, 1.5, 100000, 1e6, 1234567, 0.0001, 0.00001, -0.5, 3.14159, 1e21, 255];

function scalar(rng: Rng): unknown {
  const r = rng();
  if (r < 0.4) return pick(rng, STRINGS);
  if (r < 0.75) return pick(rng, NUMBERS);
  if (r < 0.9) return chance(rng, 0.5);
  return null;
}

function value(rng: Rng, depth: number): unknown {
  const r = rng();
  if (depth <= 0 || r < 0.6) return scalar(rng);
  if (r < 0.8) return Array.from({ length: Math.floor(rng() * 4) }, () => value(rng, depth - 1));
  const m: Record<string, unknown> = {};
  for (const k of pick(rng, [['k'], ['k', 'v'], [], ['a', 'b', 'z']])) m[k] = value(rng, depth - 1);
  return m;
}

/** Keys of the top-level data; templates mostly refer to these. */
export const DATA_KEYS = ['a', 'b', 's', 'n', 'f', 'l', 'm', 't', 'e', 'z', 'nil'] as const;

export function generateData(rng: Rng): Record<string, unknown> {
  return {
    a: pick(rng, STRINGS),
    b: scalar(rng),
    s: pick(rng, ['abc', 'hello world', '', 'x']),
    n: pick(rng, [0, 1, 2, 3, 10, -1]),
    f: pick(rng, NUMBERS),
    l: Array.from({ length: Math.floor(rng() * 4) }, () => (chance(rng, 0.7) ? scalar(rng) : value(rng, 2))),
    m: { k: scalar(rng), v: value(rng, 2), a: pick(rng, STRINGS) },
    t: chance(rng, 0.5),
    e: '',
    z: 0,
    nil: null,
  };
}

// --- templates -------------------------------------------------------------------------------

interface Scope {
  vars: string[];
  inRange: boolean;
  defines: string[];
  depth: number;
  /** Shared by every scope of one template: block names used so far. */
  blocks: string[];
}

const FIELDS = ['.a', '.b', '.s', '.n', '.f', '.l', '.m', '.t', '.e', '.z', '.nil', '.m.k', '.m.v', '.m.a'];
/** Fields that fail (missingkey=error, field of a string): used now and then. */
const BAD_FIELDS = ['.missing', '.a.x'];

const field = (rng: Rng): string => (chance(rng, 0.06) ? pick(rng, BAD_FIELDS) : pick(rng, FIELDS));
const INT_LITERALS = ['0', '1', '2', '-1', '3', '0x1F', '0o17', '0b101', '1_000', "'a'", '10'];
const FLOAT_LITERALS = ['1.5', '0.0', '-2.5', '1e3', '2.0', '.5', '1e-7', '123456789.0'];
const STRING_LITERALS = ['"a"', '"hello"', '""', '"x y"', '`raw\\n`', '"\\t<&>"', '"é"', '"%d"'];
const PRINTF_FORMATS = [
  '%v',
  '%s',
  '%d',
  '%q',
  '%x',
  '%X',
  '%t',
  '%5.2f',
  '%-4d|',
  '%05d',
  '%+d',
  '%e',
  '%g',
  '%.3g',
  '%8.3f',
  '%c',
  '%o',
  '%b',
  '%U',
  '%T',
  '%v-%v',
  '%s=%d',
  '%%',
  '%6s|',
  '%-6s|',
  '%.2s',
  '% x',
  '%#v',
  '%+v',
  '%z',
];

function literal(rng: Rng): string {
  const r = rng();
  if (r < 0.35) return pick(rng, INT_LITERALS);
  if (r < 0.55) return pick(rng, FLOAT_LITERALS);
  if (r < 0.85) return pick(rng, STRING_LITERALS);
  if (r < 0.97) return pick(rng, ['true', 'false']);
  return 'nil';
}

function operand(rng: Rng, scope: Scope): string {
  const r = rng();
  if (r < 0.4) return field(rng);
  if (r < 0.5) return chance(rng, 0.5) ? '.' : pick(rng, ['$', '$.a', '$.n', '$.m.k']);
  if (r < 0.6 && scope.vars.length > 0) return pick(rng, scope.vars);
  if (r < 0.85) return literal(rng);
  if (scope.depth > 2) return field(rng);
  return `(${pipeline(rng, { ...scope, depth: scope.depth + 1 }, false)})`;
}

function funcCall(rng: Rng, scope: Scope): string {
  const o = (): string => operand(rng, scope);
  switch (Math.floor(rng() * 16)) {
    case 0:
      return `eq ${o()} ${o()}${chance(rng, 0.2) ? ' ' + o() : ''}`;
    case 1:
      return `${pick(rng, ['ne', 'lt', 'le', 'gt', 'ge'])} ${o()} ${o()}`;
    case 2:
      return `${pick(rng, ['and', 'or'])} ${o()} ${o()}${chance(rng, 0.3) ? ' ' + o() : ''}`;
    case 3:
      return `not ${o()}`;
    case 4:
      return `len ${pick(rng, ['.a', '.s', '.l', '.m', '.e', '.n', '.nil', '"héllo"'])}`;
    case 5:
      return `index ${pick(rng, ['.l', '.m', '.s', '.m.v', '.a'])} ${pick(rng, ['0', '1', '2', '"k"', '"v"', '"zz"', '.n', '-1'])}`;
    case 6:
      return `slice ${pick(rng, ['.s', '.l', '"abcdef"'])}${pick(rng, ['', ' 0', ' 1', ' 0 1', ' 1 2', ' 2 1'])}`;
    case 7:
    case 8:
      return `printf ${JSON.stringify(pick(rng, PRINTF_FORMATS))} ${o()}${chance(rng, 0.4) ? ' ' + o() : ''}`;
    case 9:
      return `print ${o()}${chance(rng, 0.5) ? ' ' + o() : ''}`;
    case 10:
      return `println ${o()}`;
    case 11:
      return `${pick(rng, ['html', 'js', 'urlquery'])} ${o()}`;
    case 12:
      // A function without its argument: Go's arity error (now and then).
      return chance(rng, 0.2) ? 'len' : `len ${pick(rng, ['.a', '.l', '.m'])}`;
    default:
      return `print ${o()}`;
  }
}

function command(rng: Rng, scope: Scope, first: boolean): string {
  if (!first) {
    // Later pipeline stages receive the previous value as their last argument.
    return pick(rng, [
      'print',
      'printf "%v"',
      'len',
      'html',
      'js',
      'urlquery',
      'not',
      'println',
      'printf "[%s]"',
      'eq 1',
      'index .m',
    ]);
  }
  return chance(rng, 0.5) ? operand(rng, scope) : funcCall(rng, scope);
}

function pipeline(rng: Rng, scope: Scope, allowDecl: boolean): string {
  let s = command(rng, scope, true);
  const stages = chance(rng, 0.25) ? 1 + Math.floor(rng() * 2) : 0;
  for (let i = 0; i < stages; i++) s += ` | ${command(rng, scope, false)}`;
  if (allowDecl && chance(rng, 0.15)) {
    const existing = scope.vars.filter((v) => v !== '$');
    if (existing.length > 0 && chance(rng, 0.3)) return `${pick(rng, existing)} = ${s}`;
    const v = pick(rng, ['$x', '$y', '$v']);
    scope.vars.push(v);
    return `${v} := ${s}`;
  }
  return s;
}

const open = (rng: Rng): string => (chance(rng, 0.15) ? '{{- ' : chance(rng, 0.2) ? '{{ ' : '{{');
const close = (rng: Rng): string => (chance(rng, 0.15) ? ' -}}' : chance(rng, 0.2) ? ' }}' : '}}');

function text(rng: Rng): string {
  return pick(rng, ['', 'x', ' ', '\n', 'a b', '<p>', '  \n  ', '-', 'k=', '\t']);
}

function body(rng: Rng, scope: Scope, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += element(rng, scope);
  return s;
}

function element(rng: Rng, scope: Scope): string {
  const r = rng();
  if (r < 0.3 || scope.depth > 3) return text(rng);
  if (r < 0.65) return `${open(rng)}${pipeline(rng, scope, true)}${close(rng)}`;
  const inner: Scope = { ...scope, vars: [...scope.vars], depth: scope.depth + 1 };
  const sub = (sc: Scope = inner): string => body(rng, { ...sc, vars: [...sc.vars] }, 1 + Math.floor(rng() * 3));
  if (r < 0.72) {
    let s = `${open(rng)}if ${pipeline(rng, inner, chance(rng, 0.2))}${close(rng)}${sub()}`;
    if (chance(rng, 0.3)) s += `{{else if ${pipeline(rng, inner, false)}}}${sub()}`;
    if (chance(rng, 0.5)) s += `{{else}}${sub()}`;
    return s + `${open(rng)}end${close(rng)}`;
  }
  if (r < 0.78) {
    let s = `{{with ${pipeline(rng, inner, chance(rng, 0.2))}}}${sub()}`;
    if (chance(rng, 0.2)) s += `{{else with ${pipeline(rng, inner, false)}}}${sub()}`;
    if (chance(rng, 0.4)) s += `{{else}}${sub()}`;
    return s + '{{end}}';
  }
  if (r < 0.87) {
    // Mostly rangeable values; strings and float64s are Go's "range can't iterate over" error.
    const over = chance(rng, 0.8)
      ? pick(rng, ['.l', '.m', '.m.v', '3', '.nil', '(slice .l 0)', '$.l'])
      : pick(rng, ['.n', '.s', '.e', '.f']);
    const decl = pick(rng, ['', '', '$v := ', '$i, $v := ', '$k, $v := ']);
    const vars = decl.match(/\$\w+/g) ?? [];
    const loopScope: Scope = { ...inner, vars: [...inner.vars, ...vars], inRange: true };
    let s = `{{range ${decl}${over}}}${sub(loopScope)}`;
    if (chance(rng, 0.3))
      s += `{{if ${pipeline(rng, loopScope, false)}}}{{${pick(rng, ['break', 'continue'])}}}{{end}}`;
    s += sub(loopScope);
    if (chance(rng, 0.3)) s += `{{else}}${sub()}`;
    return s + '{{end}}';
  }
  if (r < 0.9 && scope.inRange) return pick(rng, ['{{break}}', '{{continue}}']);
  if (r < 0.93) return pick(rng, ['{{/* a comment */}}', '{{- /* trimmed */ -}}', '{{/* multi\nline */}}']);
  if (r < 0.97 && scope.defines.length > 0) {
    return `{{template ${JSON.stringify(pick(rng, scope.defines))}${chance(rng, 0.7) ? ' ' + operand(rng, inner) : ''}}}`;
  }
  // A new name mostly; reusing one is Go's "multiple definition" error.
  const name = scope.blocks.length > 0 && chance(rng, 0.1) ? pick(rng, scope.blocks) : `blk${scope.blocks.length}`;
  scope.blocks.push(name);
  return `{{block ${JSON.stringify(name)} ${operand(rng, inner)}}}${body(rng, { ...inner, vars: ['$'], inRange: false }, 2)}{{end}}`;
}

function wellFormed(rng: Rng): string {
  const defines: string[] = [];
  const blocks: string[] = [];
  let s = '';
  if (chance(rng, 0.2)) {
    const name = pick(rng, ['d1', 'd2']);
    s += `{{define ${JSON.stringify(name)}}}${body(rng, { vars: ['$'], inRange: false, defines: [], depth: 1, blocks }, 2)}{{end}}`;
    defines.push(name);
  }
  if (chance(rng, 0.05)) defines.push('undefined-template');
  const scope: Scope = { vars: ['$'], inRange: false, defines, depth: 0, blocks };
  // Short templates mostly: one failing action aborts the whole output, and outputs are what
  // exercise formatting.
  s += body(rng, scope, chance(rng, 0.5) ? 1 + Math.floor(rng() * 2) : 2 + Math.floor(rng() * 3));
  return s;
}

/** Breaks a template: the lexer and parser error paths need exercising too. */
function mutate(rng: Rng, t: string): string {
  const at = Math.floor(rng() * (t.length + 1));
  switch (Math.floor(rng() * 7)) {
    case 0:
      return t.slice(0, at) + t.slice(at + 1);
    case 1:
      return t.slice(0, at);
    case 2:
      return (
        t.slice(0, at) + pick(rng, ['{{', '}}', '(', ')', '|', ':=', '=', '"', '`', "'", '$', '.', ',']) + t.slice(at)
      );
    case 3:
      return (
        t.slice(0, at) +
        pick(rng, [
          '{{end}}',
          '{{else}}',
          '{{if}}',
          '{{range .l}}',
          '{{break}}',
          '{{ $nope }}',
          '{{nofunc}}',
          '{{1.a}}',
          '{{"x".y}}',
          '{{.a 1}}',
          '{{(1) 2}}',
          '{{ 08 }}',
          '{{ 1_ }}',
          '{{ 0x }}',
          '{{ 1e }}',
          '{{ "\\q" }}',
          "{{ 'ab' }}",
          '{{ @ }}',
          '{{ 1 | 2 }}',
          '{{ print | }}',
          '{{ $x := 1, 2 }}',
          '{{define "x"}}',
          '{{template .a}}',
          '{{ .a.b. }}',
          '{{/* x */ 1}}',
          '{{with}}',
          '{{ nil }}',
          '{{ nil.a }}',
          '{{ (nil).a }}',
        ]) +
        t.slice(at)
      );
    case 4:
      return t + pick(rng, ['{{', '{{ .a', '{{/* ', '{{ "abc', '{{ `abc', '{{ (', '{{ ) }}']);
    case 5:
      return t.replace(/\}\}/, pick(rng, ['} }', '}}}', ' }', '\n}}']));
    default:
      return t.replace(/ /, '\n');
  }
}

export interface GeneratedCase {
  template: string;
  data: Record<string, unknown>;
}

export function generateCase(rng: Rng): GeneratedCase {
  let template = wellFormed(rng);
  if (chance(rng, 0.2)) template = mutate(rng, template);
  return { template, data: generateData(rng) };
}
