/**
 * Hand-written cases in the style of Go's exec_test.go. Each runs through Go's own engine (the
 * WASM oracle) and ours, and both must give the expected text — so the table documents Go's
 * behaviour and checks that we match it. Data crosses to Go as JSON, so numbers in data are
 * float64 on both sides here (numbers: 'float64').
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Template } from '../src/index.js';
import { loadOracle, renderWithGo } from './oracle.js';

const DATA = {
  name: 'World',
  n: 3,
  f: 1.5,
  empty: '',
  zero: 0,
  yes: true,
  no: false,
  nil: null,
  list: ['a', 'b', 'c'],
  nums: [1, 2, 3],
  m: { b: 2, a: 1, c: { d: 'deep' } },
  html: '<a href="x">&\'</a>',
};

interface Case {
  name: string;
  template: string;
  /** Expected output, or `Error: <start of Go's message>`. */
  want: string;
}

const CASES: Case[] = [
  // Fields, variables and printing
  { name: 'field', template: 'Hello {{.name}}', want: 'Hello World' },
  { name: 'nested field', template: '{{.m.c.d}}', want: 'deep' },
  { name: 'map prints with sorted keys', template: '{{.m}}', want: 'map[a:1 b:2 c:map[d:deep]]' },
  { name: 'slice prints with spaces', template: '{{.list}} {{.nums}}', want: '[a b c] [1 2 3]' },
  { name: 'nil field prints <no value>', template: '{{.nil}}', want: '<no value>' },
  { name: 'nil through print is <nil>', template: '{{print .nil}}', want: '<nil>' },
  {
    name: 'float formatting',
    template: '{{.f}} {{1e6}} {{1e5}} {{0.00001}} {{-0.0}}',
    want: '1.5 1e+06 100000 1e-05 -0',
  },
  { name: 'int literals', template: "{{0x1F}} {{0o17}} {{0b101}} {{1_000}} {{'a'}}", want: '31 15 5 1000 97' },
  { name: 'variable declare and assign', template: '{{$x := 1}}{{$x = 2}}{{$x}}', want: '2' },
  { name: 'dollar is the data', template: '{{with .m}}{{$.name}}{{end}}', want: 'World' },
  { name: 'variable field chain', template: '{{$m := .m}}{{$m.c.d}}', want: 'deep' },
  { name: 'parenthesised chain', template: '{{(index .list 1)}} {{(.m).a}}', want: 'b 1' },
  // Pipelines
  { name: 'pipeline appends last argument', template: '{{"b" | printf "%s-%s" "a"}}', want: 'a-b' },
  { name: 'multi-stage pipeline', template: '{{.name | len | printf "%d chars"}}', want: '5 chars' },
  // Control structures
  { name: 'if else', template: '{{if .yes}}y{{else}}n{{end}}{{if .empty}}y{{else}}n{{end}}', want: 'yn' },
  { name: 'else if chain', template: '{{if .no}}1{{else if .zero}}2{{else if .n}}3{{end}}', want: '3' },
  { name: 'with sets dot', template: '{{with .m.c}}{{.d}}{{end}}', want: 'deep' },
  { name: 'else with', template: '{{with .empty}}x{{else with .name}}{{.}}{{end}}', want: 'World' },
  { name: 'range slice with index', template: '{{range $i, $v := .list}}{{$i}}{{$v}} {{end}}', want: '0a 1b 2c ' },
  { name: 'range map in key order', template: '{{range $k, $v := .m}}{{$k}};{{end}}', want: 'a;b;c;' },
  { name: 'range else', template: '{{range .nil}}x{{else}}none{{end}}', want: 'none' },
  { name: 'range over int', template: '{{range 3}}{{.}}{{end}}', want: '012' },
  {
    name: 'break and continue',
    template: '{{range .list}}{{if eq . "b"}}{{continue}}{{end}}{{if eq . "c"}}{{break}}{{end}}{{.}}{{end}}',
    want: 'a',
  },
  // Whitespace control and comments
  { name: 'trim markers', template: 'a  {{- .name -}}  b', want: 'aWorldb' },
  { name: 'comments vanish', template: 'a{{/* hidden */}}b{{- /* trimmed */ -}}  c', want: 'abc' },
  { name: 'negative number is not a trim marker', template: '{{-3}}', want: '-3' },
  // define / template / block
  { name: 'define and template', template: '{{define "t"}}[{{.}}]{{end}}{{template "t" .name}}', want: '[World]' },
  { name: 'block is define plus template', template: '{{block "b" .n}}<{{.}}>{{end}}', want: '<3>' },
  // Functions
  { name: 'and or return values', template: '{{and 1 0 2}} {{or 0 "" "x"}} {{and 1 2}}', want: '0 x 2' },
  { name: 'or short-circuits', template: '{{or 1 (index .nil 1)}}', want: '1' },
  { name: 'not', template: '{{not .empty}} {{not .list}}', want: 'true false' },
  { name: 'len counts bytes', template: '{{len "héllo"}} {{len .list}} {{len .m}}', want: '6 3 3' },
  { name: 'index', template: '{{index .list 1}} {{index .m "a"}} {{index .m "zz"}}', want: 'b 1 <no value>' },
  {
    name: 'index of a string is a byte',
    template: '{{index "abc" 1}} {{printf "%T" (index "abc" 1)}}',
    want: '98 uint8',
  },
  { name: 'slice', template: '{{slice "abcdef" 1 3}} {{slice .list 1}}', want: 'bc [b c]' },
  { name: 'print spacing', template: '{{print 1 2 "a" "b" 3}}', want: '1 2ab3' },
  { name: 'println', template: '{{println 1 "a"}}', want: '1 a\n' },
  { name: 'html', template: '{{html .html}}', want: '&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;' },
  { name: 'js', template: '{{js .html}}', want: '\\u003Ca href\\u003D\\"x\\"\\u003E\\u0026\\\'\\u003C/a\\u003E' },
  { name: 'urlquery', template: '{{urlquery "a b&c=d/é"}}', want: 'a+b%26c%3Dd%2F%C3%A9' },
  { name: 'eq with several', template: '{{eq .name "x" "World"}} {{eq 1 2}}', want: 'true false' },
  {
    name: 'comparisons',
    template: '{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1.5 2.5}} {{ne "a" "b"}}',
    want: 'true true true false true',
  },
  // printf verbs
  {
    name: 'printf verbs',
    template: '{{printf "%5.2f|%-4d|%05d|%x|%X|%o|%b|%q|%c|%U" 3.14159 7 -42 255 255 8 5 "a\\"b" 65 65}}',
    want: ' 3.14|7   |-0042|ff|FF|10|101|"a\\"b"|A|U+0041',
  },
  {
    name: 'printf float verbs',
    template: '{{printf "%e %g %.3g %f %.0f %.1f" 1234.5678 0.00001 1234.5 1.0 2.5 0.25}}',
    want: '1.234568e+03 1e-05 1.23e+03 1.000000 2 0.2',
  },
  {
    name: 'printf on JSON numbers (float64)',
    template: '{{printf "%d %v %T" .n .n .n}}',
    want: '%!d(float64=3) 3 float64',
  },
  {
    name: 'printf errors inline',
    template: '{{printf "%d %d" 1}}|{{printf "%d" 1 2}}|{{printf "%z" 1}}',
    want: '1 %!d(MISSING)|1%!(EXTRA int=2)|%!z(int=1)',
  },
  {
    name: 'printf %v of maps and %#v',
    template: '{{printf "%v|%#v" .m.c .list}}',
    want: 'map[d:deep]|[]interface {}{"a", "b", "c"}',
  },
  {
    name: 'printf argument index and star',
    template: '{{printf "%[2]d %[1]s|%*d|%.*f" "a" 2 4 7 2 3.14159}}|{{printf "%*d|%.*f" 4 7 2 3.14159}}',
    want: '2 a| 4|%!f(int=0000002)|   7|3.14',
  },
  // Errors (Go's wording, names, lines and columns)
  { name: 'parse error names line', template: 'a\n{{if}}', want: 'Error: template: tpl:2: missing value for if' },
  { name: 'unknown function', template: '{{nope 1}}', want: 'Error: template: tpl:1: function "nope" not defined' },
  { name: 'undefined variable', template: '{{$x}}', want: 'Error: template: tpl:1: undefined variable "$x"' },
  { name: 'unclosed action', template: '{{.name', want: 'Error: template: tpl:1: unclosed action' },
  { name: 'unexpected end', template: '{{end}}', want: 'Error: template: tpl:1: unexpected {{end}}' },
  { name: 'break outside range', template: '{{break}}', want: 'Error: template: tpl:1: {{break}} outside {{range}}' },
  {
    name: 'missing key with missingkey=error',
    template: 'x\n  {{.nope}}',
    want: 'Error: template: tpl:2:4: executing "tpl" at <.nope>: map has no entry for key "nope"',
  },
  {
    name: 'field of a number',
    template: '{{.n.x}}',
    want: 'Error: template: tpl:1:4: executing "tpl" at <.n.x>: can\'t evaluate field x in type interface {}',
  },
  {
    name: 'int vs float comparison',
    template: '{{gt .n 1}}',
    want: 'Error: template: tpl:1:2: executing "tpl" at <gt .n 1>: error calling gt: incompatible types for comparison: float64 and int',
  },
  {
    name: 'index out of range',
    template: '{{index .list 5}}',
    want: 'Error: template: tpl:1:2: executing "tpl" at <index .list 5>: error calling index: index out of range: 5',
  },
  {
    name: 'wrong number of args',
    template: '{{len}}',
    want: 'Error: template: tpl:1:2: executing "tpl" at <len>: wrong number of args for len: want 1 got 0',
  },
  {
    name: 'printf format must be a string',
    template: '{{printf .n}}',
    want: 'Error: template: tpl:1:9: executing "tpl" at <.n>: wrong type for value; expected string; got float64',
  },
  {
    name: 'template not defined',
    template: '{{template "x"}}',
    want: 'Error: template: tpl:1:11: executing "tpl" at <{{template "x"}}>: template "x" not defined',
  },
  {
    name: 'error inside define names it',
    template: '{{define "d"}}{{.x.y}}{{end}}{{template "d" .m}}',
    want: 'Error: template: tpl:1:18: executing "d" at <.x.y>: map has no entry for key "x"',
  },
  {
    name: 'range over a string',
    template: '{{range .name}}{{end}}',
    want: 'Error: template: tpl:1:8: executing "tpl" at <.name>: range can\'t iterate over World',
  },
];

function ours(template: string): string {
  try {
    return new Template('tpl', { missingKey: 'error', numbers: 'float64', sprig: false }).parse(template).execute(DATA);
  } catch (err) {
    return `Error: ${(err as Error).message}`;
  }
}

function go(template: string): string {
  const r = renderWithGo(template, DATA);
  return r.ok ? r.output : `Error: ${r.message}`;
}

describe('Go text/template behaviour (table checked against Go itself)', () => {
  beforeAll(loadOracle);

  it.each(CASES)('$name', ({ template, want }) => {
    expect(go(template), 'Go itself').toBe(want);
    expect(ours(template)).toBe(want);
  });
});
