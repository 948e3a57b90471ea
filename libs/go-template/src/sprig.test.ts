import { describe, expect, it } from 'vitest';
import { Template } from './index.js';

const render = (src: string, data: unknown = {}): string => new Template('t').parse(src).execute(data);

describe('sprig subset', () => {
  it.each([
    [
      'default for empty values',
      '{{.missing | default "x"}} {{"" | default "y"}} {{0 | default 5}} {{"set" | default "z"}}',
      'x y 5 set',
    ],
    ['empty', '{{empty ""}} {{empty .l}} {{empty 0}} {{empty "a"}}', 'true true true false'],
    ['coalesce', '{{coalesce "" .missing "first" "second"}}', 'first'],
    ['ternary', '{{ternary "yes" "no" true}} {{true | ternary "a" "b"}} {{false | ternary "a" "b"}}', 'yes a b'],
    ['quote and squote', '{{quote "a\\"b" 1}} {{squote "x"}}', '"a\\"b" "1" \'x\''],
    ['upper lower trim', '{{upper "abc"}} {{lower "ABC"}} [{{trim "  x \\n"}}]', 'ABC abc [x]'],
    [
      'trimPrefix trimSuffix with the piped string last',
      '{{"prefix-name" | trimPrefix "prefix-"}} {{"file.txt" | trimSuffix ".txt"}}',
      'name file',
    ],
    ['replace', '{{"a-b-c" | replace "-" "_"}}', 'a_b_c'],
    [
      'contains hasPrefix hasSuffix',
      '{{contains "ell" "hello"}} {{hasPrefix "he" "hello"}} {{hasSuffix "x" "hello"}}',
      'true true false',
    ],
    [
      'split gives a map of _N keys, splitList a list',
      '{{$p := split "," "a,b"}}{{$p._0}}{{$p._1}} {{splitList "," "a,b"}}',
      'ab [a b]',
    ],
    ['join', '{{join "," .l}} {{list 1 "a" 2.5 | join "-"}}', ' 1-a-2.5'],
    [
      'dict get hasKey keys',
      '{{$d := dict "b" 2 "a" 1}}{{get $d "a"}} {{get $d "zz"}}|{{hasKey $d "b"}} {{keys $d}}',
      '1 |true [a b]',
    ],
    ['toJson escapes like Go', '{{toJson .}}', '{"a":[1,2.5,"\\u003cx\\u003e"],"b":{"c":null},"l":[]}'],
    ['fromJson', '{{$v := fromJson "{\\"a\\":[1,2]}"}}{{index $v.a 1}} [{{fromJson "not json"}}]', '2 [<no value>]'],
    [
      'b64enc b64dec',
      '{{b64enc "hi there"}} {{b64dec "aGkgdGhlcmU="}} {{b64dec "%%%"}}',
      'aGkgdGhlcmU= hi there illegal base64 data at input byte 0',
    ],
    ['indent nindent', '{{indent 2 "a\\nb"}}|{{nindent 2 "c"}}', '  a\n  b|\n  c'],
    ['toString atoi int', '{{toString 1.5}} {{atoi "42"}} {{atoi "x"}} {{int "0x10"}} {{int 3.9}}', '1.5 42 0 16 3'],
    ['sha256sum', '{{sha256sum "abc"}}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('%s', (_label, src, want) => {
    expect(render(src, { a: [1, 2.5, '<x>'], b: { c: null }, l: [] })).toBe(want);
  });

  it('required fails with its message when the value is empty', () => {
    expect(() => render('{{required "db host is required" .host}}')).toThrowError(
      'template: t:1:2: executing "t" at <required "db host is required" .host>: error calling required: db host is required',
    );
    expect(render('{{required "x" .host}}', { host: 'db' })).toBe('db');
  });

  it('fail stops rendering with the given message', () => {
    expect(() => render('a{{fail "unsupported mode"}}')).toThrowError('error calling fail: unsupported mode');
  });

  it('checks typed parameters as Go would', () => {
    expect(() => render('{{upper .n}}', { n: 1.5 })).toThrowError('wrong type for value; expected string; got float64');
    expect(() => render('{{indent "2" "x"}}')).toThrowError('expected integer; found "2"');
  });

  it('can be left out', () => {
    expect(() => new Template('t', { sprig: false }).parse('{{upper "x"}}')).toThrowError(
      'function "upper" not defined',
    );
  });
});
