import { describe, expect, it } from 'vitest';
import { multierror } from './errors.js';

describe('go-multierror text', () => {
  it('lists one or several errors', () => {
    expect(multierror(['a'])).toBe('1 error occurred:\n\t* a\n\n');
    expect(multierror(['a', 'b'])).toBe('2 errors occurred:\n\t* a\n\t* b\n\n');
  });
});
