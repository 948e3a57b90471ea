/**
 * Values from dependency functions are secrets: they render into the output, but no error
 * message ever contains them (consul-template CVE-2022-38149 was `index`/`printf` errors
 * quoting a secret).
 */
import { describe, expect, it } from 'vitest';
import { Template, TemplateExecError, sensitive } from './index.js';

const SECRET = 'hunter2-very-secret';
const SECRET_JSON = { password: SECRET, list: [SECRET] };

function errorOf(src: string, answer: unknown = SECRET, data: unknown = {}): TemplateExecError {
  const t = new Template('app.conf').dependencies(['lookup']).parse(src);
  const answers = new Map(t.collect(data).map((c) => [c.key, answer]));
  try {
    t.execute(data, { answers });
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateExecError);
    return err as TemplateExecError;
  }
  throw new Error(`expected ${src} to fail`);
}

describe('secrets never appear in error messages', () => {
  it('renders a secret into the output', () => {
    const t = new Template('t').dependencies(['lookup']).parse('pw={{lookup "db"}}');
    const answers = new Map(t.collect({}).map((c) => [c.key, SECRET]));
    expect(t.execute({}, { answers })).toBe(`pw=${SECRET}`);
  });

  it.each([
    ['range over a secret string', '{{range lookup "db"}}{{end}}', SECRET],
    ['comparing a secret with a number', '{{eq (lookup "db") 1}}', SECRET],
    ['comparing secret maps', '{{eq (lookup "db") (lookup "db")}}', SECRET_JSON],
    ['index with a secret key', '{{index .l (lookup "db")}}', SECRET],
    ['index into a secret', '{{index (lookup "db") 99}}', SECRET],
    ['slice of a secret', '{{slice (lookup "db") 5 1}}', SECRET],
    ['field of a secret', '{{(lookup "db").nope}}', SECRET],
    ['len of a secret number', '{{len (lookup "db")}}', 12345678],
    [
      'a secret passed on through a variable',
      '{{$s := lookup "db"}}{{$x := printf "%s!" $s}}{{range $x}}{{end}}',
      SECRET,
    ],
    ['a secret inside a list', '{{range (list (lookup "db"))}}{{eq . 1}}{{end}}', SECRET],
    ['a secret as the message of fail', '{{fail (lookup "db")}}', SECRET],
    ['a secret as the message of required', '{{required (lookup "db") ""}}', SECRET],
    ['a secret map printed by a failing range', '{{range $i, $v := (lookup "db").password}}{{end}}', SECRET_JSON],
  ])('%s', (_label, src, answer) => {
    const err = errorOf(src, answer, { l: [1] });
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain('12345678');
    expect(err.message).toMatch(/^template: app\.conf:1:\d+: executing "app\.conf" at </);
  });

  it('keeps the detail when no secret is involved', () => {
    const t = new Template('t').parse('{{index .l 3}}');
    expect(() => t.execute({ l: [] })).toThrowError('error calling index: index out of range: 3');
  });

  it('says the details were withheld and names the function', () => {
    const err = errorOf('{{index (lookup "db") 99}}');
    expect(err.message).toBe(
      'template: app.conf:1:2: executing "app.conf" at <index (lookup "db") 99>: error calling index: an argument is a secret, so the details are withheld',
    );
    expect(err.functionName).toBe('index');
  });

  it("shows required's own message when only the value is secret", () => {
    const err = errorOf('{{required "db password is required" (lookup "db")}}', '');
    expect(err.message).toContain('error calling required: db password is required');
  });

  it('lets a custom function mark its result as secret', () => {
    const t = new Template('t').funcs({ token: () => sensitive(SECRET) }).parse('{{range token}}{{end}}');
    expect(() => t.execute({})).toThrowError(/range can't iterate over <redacted>/);
  });

  it('never serialises a secret by accident', () => {
    expect(JSON.stringify(sensitive(SECRET))).toBe('"<redacted>"');
    expect(String(sensitive(SECRET))).toBe('<redacted>');
  });
});
