import { describe, expect, it } from 'vitest';
import { duplicateMember } from './json-body.js';

describe('duplicateMember', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"a":{"b":1,"b":2}}', 'b'],
    ['[{"a":1},{"b":[1,{"c":1,"c":2}]}]', 'c'],
    ['{"x":"\\"a\\"","a":1,"\\u0061":2}', 'a'],
    ['{"a":{"a":1},"b":2,"a":3}', 'a'],
  ])('finds the name in %s', (text, name) => {
    expect(duplicateMember(text)).toBe(name);
  });

  it.each([
    '{"a":1,"b":2}',
    '{"a":{"a":1},"b":{"a":1}}',
    '[{"a":1},{"a":2}]',
    '{"a":"a","b":["a","a"]}',
    '{"a":"x,\\"a\\":1"}',
    '"a"',
    '[]',
    `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  ])('finds none in %s', (text) => {
    expect(duplicateMember(text)).toBeUndefined();
  });
});
