import { describe, expect, it } from 'vitest';
import { GoTemplateError, Template, TemplateExecError, TemplateParseError } from './index.js';

const render = (src: string, data: unknown = {}, opts = {}): string => new Template('t', opts).parse(src).execute(data);

describe('custom functions', () => {
  it('calls a custom function with plain values and renders its result', () => {
    const t = new Template('cfg')
      .funcs({ env: (key: string) => ({ HOME: '/root' })[key] ?? '', add: (a: number, b: number) => a + b })
      .parse('home={{env "HOME"}} sum={{add 2 .n}}');
    expect(t.execute({ n: 3 })).toBe('home=/root sum=5');
  });

  it('passes the piped value as the last argument', () => {
    const t = new Template('cfg')
      .funcs({ wrap: (l: string, r: string, s: string) => `${l}${s}${r}` })
      .parse('{{.x | wrap "[" "]"}}');
    expect(t.execute({ x: 'v' })).toBe('[v]');
  });

  it('reports a throwing function as Go does, naming template, position and function', () => {
    const t = new Template('cfg')
      .funcs({
        boom: () => {
          throw new Error('no such key');
        },
      })
      .parse('a\n  {{boom 1}}');
    expect(() => t.execute({})).toThrowError(
      'template: cfg:2:4: executing "cfg" at <boom 1>: error calling boom: no such key',
    );
    try {
      t.execute({});
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateExecError);
      expect(err).toMatchObject({ templateName: 'cfg', line: 2, column: 4, functionName: 'boom' });
    }
  });

  it('rejects a template that uses an unknown function at parse time', () => {
    expect(() => new Template('cfg').parse('{{lookup "x"}}')).toThrowError(TemplateParseError);
    expect(() => new Template('cfg').parse('{{lookup "x"}}')).toThrowError(
      'template: cfg:1: function "lookup" not defined',
    );
  });

  it('lets a custom function override a built-in', () => {
    expect(
      new Template('t')
        .funcs({ len: () => 42 })
        .parse('{{len "abc"}}')
        .execute({}),
    ).toBe('42');
  });

  it('refuses a function name that is not an identifier', () => {
    expect(() => new Template('t').funcs({ 'a-b': () => 1 })).toThrowError(GoTemplateError);
  });
});

describe('parse once, execute many', () => {
  it('renders the same parsed template with different data', () => {
    const t = new Template('t').parse('{{range .}}{{.}},{{end}}');
    expect(t.execute([1, 2])).toBe('1,2,');
    expect(t.execute(['a'])).toBe('a,');
  });

  it('keeps its previous definitions when a later parse fails', () => {
    const t = new Template('t').parse('{{define "x"}}X{{end}}ok');
    expect(() => t.parse('{{define "y"}}{{if}}{{end}}')).toThrowError(TemplateParseError);
    expect(t.definedTemplates()).toEqual(['t', 'x']);
    expect(t.execute({})).toBe('ok');
  });

  it('executes a named template from the set', () => {
    const t = new Template('t').parse('{{define "greet"}}hi {{.}}{{end}}main');
    expect(t.execute('bob', { template: 'greet' })).toBe('hi bob');
  });
});

describe('number model', () => {
  it('treats integral data numbers as ints by default, so comparisons with literals work', () => {
    expect(
      render('{{if gt .replicas 1}}many{{end}} {{printf "%d" .replicas}} {{.ratio}}', { replicas: 3, ratio: 0.5 }),
    ).toBe('many 3 0.5');
  });

  it("treats every data number as float64 in 'float64' mode, exactly like Go's encoding/json", () => {
    expect(render('{{printf "%d" .n}} {{.n}}', { n: 3 }, { numbers: 'float64' })).toBe('%!d(float64=3) 3');
    expect(() => render('{{gt .n 1}}', { n: 3 }, { numbers: 'float64' })).toThrowError(
      'incompatible types for comparison: float64 and int',
    );
  });
});

describe('missing keys', () => {
  it('prints <no value> by default, as Go does', () => {
    expect(render('[{{.nope}}]')).toBe('[<no value>]');
  });

  it("fails with Go's message under missingKey 'error'", () => {
    expect(() => render('{{.nope}}', {}, { missingKey: 'error' })).toThrowError(
      'template: t:1:2: executing "t" at <.nope>: map has no entry for key "nope"',
    );
  });
});

describe('whitespace and comments', () => {
  it('trims around trim markers and drops comments', () => {
    expect(render('a \n {{- /* c */ -}} \n b {{- "x" }}')).toBe('abx');
  });
});
