import { describe, expect, it } from 'vitest';
import { listContainsGlob } from './glob.js';

describe('bound names with globs (StrListContainsGlob)', () => {
  it.each([
    ['web', 'web', true],
    ['web', 'webx', false],
    ['web-*', 'web-1', true],
    ['*-prod', 'api-prod', true],
    ['*-prod', 'api-prod-2', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['*', '', true],
  ])('%s matches %s: %s', (pattern, value, matches) => {
    expect(listContainsGlob([pattern], value)).toBe(matches);
  });
});
