import { describe, expect, it } from 'vitest';
import { lex } from './lex.js';

const items = (src: string) => lex(src).map((i) => `${i.type}:${i.val}@${i.line}`);

describe('lexer', () => {
  it('emits text, delimiters and typed items with their lines', () => {
    expect(items('a\n{{.x | printf "%d" 1}}')).toEqual([
      'text:a\n@1',
      'leftDelim:{{@2',
      'field:.x@2',
      'space: @2',
      'pipe:|@2',
      'space: @2',
      'identifier:printf@2',
      'space: @2',
      'string:"%d"@2',
      'space: @2',
      'number:1@2',
      'rightDelim:}}@2',
      'eof:@2',
    ]);
  });

  it('trims the text around trim markers and drops comments, counting their lines', () => {
    expect(items('a  \n {{- 1 -}} \n b{{/* x\ny */}}c')).toEqual([
      'text:a@1',
      'leftDelim:{{@2',
      'number:1@2',
      'rightDelim:}}@2',
      'text:b@3',
      'text:c@4',
      'eof:@4',
    ]);
  });

  it('reads a minus without a space as a negative number, not a trim marker', () => {
    expect(items('{{-3}}')).toEqual(['leftDelim:{{@1', 'number:-3@1', 'rightDelim:}}@1', 'eof:@1']);
  });

  it('reads every number syntax Go accepts, and keeps imaginary ones for the parser to reject', () => {
    const nums = lex('{{0x1F 0o17 0b101 1_000 1.5e3 .5 1i}}')
      .filter((i) => i.type === 'number')
      .map((i) => i.val);
    expect(nums).toEqual(['0x1F', '0o17', '0b101', '1_000', '1.5e3', '.5', '1i']);
  });

  it('reports lexical errors with Go wording', () => {
    const last = (src: string) => lex(src).at(-1)!;
    expect(last('{{"abc')).toMatchObject({ type: 'error', val: 'unterminated quoted string' });
    expect(last('{{`abc')).toMatchObject({ type: 'error', val: 'unterminated raw quoted string' });
    expect(last('{{/* x')).toMatchObject({ type: 'error', val: 'unclosed comment' });
    expect(last('{{/* x */ 1}}')).toMatchObject({ type: 'error', val: 'comment ends before closing delimiter' });
    expect(last('{{ 1a }}')).toMatchObject({ type: 'error', val: 'bad number syntax: "1a"' });
    expect(lex('{{ @ }}')[2]).toMatchObject({ type: 'char', val: '@' });
    expect(last('{{ ) }}')).toMatchObject({ type: 'error', val: 'unexpected right paren' });
    expect(last('{{ .a')).toMatchObject({ type: 'error', val: 'unclosed action' });
  });
});
