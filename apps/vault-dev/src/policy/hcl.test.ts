import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseHcl, syntaxShape } from './hcl.js';
import { parseHclDocument } from './hcl-parser.js';

const realHcl = createRequire(import.meta.url)('js-hcl-parser') as { stringify(s: string): string };
/** The real hcl's verdict: its syntax error, or 'ok'. */
const verdict = (src: string) => {
  const out = realHcl.stringify(src);
  return out.startsWith('unable to parse HCL: ') ? out : 'ok';
};

const policyOf = (app: string) =>
  `# read policy of ${app}\npath "secret/data/${app}/*" {\n  capabilities = ["read", "list"]\n}\n` +
  `path "auth/approle/role/aws.stg.${app}/secret-id" { capabilities = ["create", "update"] } // ${app}\n`;

describe('syntax shapes: documents the real hcl need not parse again', () => {
  it('are equal for policies that differ only in the names inside their strings', () => {
    expect(syntaxShape(policyOf('app-0001'))).toBe(syntaxShape(policyOf('another-app')));
  });

  it('keep identifiers, layout and block comments verbatim, and drop the text of line comments', () => {
    expect(syntaxShape('path "a" {\n capabilities = ["read"]\n}')).not.toBe(
      syntaxShape('path "a" { capabilities = ["read"] }'),
    );
    expect(syntaxShape('path "a" { capabilities = ["read"] } # "quoted" in a comment')).toBe(
      'path "s" { capabilities = ["s"] } #',
    );
    expect(syntaxShape('/* "a" */ path "a" { policy = "read" } // x')).toBe('/* "a" */ path "s" { policy = "s" } //');
  });

  it('are not taken of heredocs, escapes, interpolations, unterminated literals or JSON', () => {
    for (const src of [
      'path "a" {\n policy = <<EOT\nread\nEOT\n}',
      'path "a\\"b" { capabilities = ["read"] }',
      'path "${x}" { capabilities = ["read"] }',
      'path "a" { capabilities = ["read] }',
      '{"path": {"a": {"capabilities": ["read"]}}}',
    ]) {
      expect(syntaxShape(src), src).toBeUndefined();
    }
  });

  it('get the same verdict from the real hcl whatever the plain strings hold', () => {
    const documents = [
      policyOf('x'),
      'path "a" { capabilities = ["read"] ',
      'path "a" { capabilities = ["read" "list"] }',
      'path "a" "b" { capabilities = [] }',
      'path "a" { capabilities = ["read"],, }',
      'path = "a"\npath "b" { policy = "write" }',
      '# "a comment\npath "a" { capabilities = ["read"] } // "another',
      'path "a" { # "x\n capabilities = ["read"] }',
    ];
    const fillers = ['', 's', 'secret/data/app-0001/*', 'a b+c', '#not-a-comment', '//', '/*', 'x*/', "it's", '~|[]'];
    for (const doc of documents) {
      const expected = verdict(doc);
      for (const filler of fillers) {
        const variant = doc
          .replace(/(#|\/\/)[^\n]*/g, (c) => `${c.slice(0, c.startsWith('#') ? 1 : 2)} ${filler} "${filler}`)
          .replace(/^([^#\n]*?)"[^"\n]*"/gm, (_m, before: string) => `${before}"${filler}"`);
        expect(syntaxShape(variant), variant).toBe(syntaxShape(doc));
        expect(verdict(variant) === 'ok', variant).toBe(expected === 'ok');
      }
    }
  });

  it('let a document of an accepted shape through with the same tree, and still refuse a broken one', () => {
    expect(parseHcl(policyOf('first'))).toEqual(parseHclDocument(policyOf('first')));
    expect(parseHcl(policyOf('second-app'))).toEqual(parseHclDocument(policyOf('second-app')));
    const broken = policyOf('third').replace('["read", "list"]', '["read" "list"]');
    expect(() => parseHcl(broken)).toThrow(verdict(broken).slice('unable to parse HCL: '.length));
  });
});
