import { describe, expect, it } from 'vitest';
import { NOT_LITERAL, Template } from './index.js';

const calls = (src: string) => new Template('t').dependencies(['lookup', 'rawRead']).parse(src).calls(['lookup']);

describe('calls: what a template calls, read without rendering', () => {
  it('gives literal arguments as values, in source order, each call as written', () => {
    expect(calls('{{ lookup "A" }} {{ lookup "cluster/B" "user" }} {{ lookup "A" }} {{ rawRead "x/y" }}')).toEqual([
      { name: 'lookup', args: ['A'] },
      { name: 'lookup', args: ['cluster/B', 'user'] },
      { name: 'lookup', args: ['A'] },
    ]);
  });

  it('marks computed arguments, including the value piped in', () => {
    expect(
      calls('{{ lookup .Key }}{{ $k := "A" }}{{ lookup $k }}{{ "A" | lookup }}{{ lookup (printf "%s" "A") }}'),
    ).toEqual([
      { name: 'lookup', args: [NOT_LITERAL] },
      { name: 'lookup', args: [NOT_LITERAL] },
      { name: 'lookup', args: [NOT_LITERAL] },
      { name: 'lookup', args: [NOT_LITERAL] },
    ]);
  });

  it('finds calls in branches, else branches, ranges, nested pipelines, chains and defined templates', () => {
    const src =
      '{{ if lookup "IF" }}{{ lookup "THEN" }}{{ else if true }}{{ lookup "ELSEIF" }}{{ else }}{{ lookup "ELSE" }}{{ end }}' +
      '{{ range $i, $v := list 1 2 }}{{ lookup "RANGE" }}{{ end }}{{ with lookup "WITH" }}{{ . }}{{ end }}' +
      '{{ upper (lookup "NESTED") }}{{ (lookup "CHAIN" | fromJson).field }}' +
      '{{ define "part" }}{{ lookup "DEFINED" }}{{ end }}{{ template "part" (lookup "ARG") }}';
    const keys = calls(src).map((c) => c.args[0]);
    expect(keys.sort()).toEqual(['ARG', 'CHAIN', 'DEFINED', 'ELSE', 'ELSEIF', 'IF', 'NESTED', 'RANGE', 'THEN', 'WITH']);
  });

  it('gives numbers, booleans and nil as their values', () => {
    const t = new Template('t').dependencies(['f']).parse('{{ f 2 1.5 true nil }}');
    expect(t.calls(['f'])).toEqual([{ name: 'f', args: [2, 1.5, true, null] }]);
  });
});
