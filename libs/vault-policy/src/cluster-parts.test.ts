import { describe, expect, it } from 'vitest';
import { InvalidNameError } from './errors.js';
import { validateCloudName, validateEnvName } from './names.js';

describe('cloud and env names (the parts of a cluster name, used alone by the project scope)', () => {
  it.each(['aws', 'gcp', 'stg', 'prod-eu-1', 'a1'])('accepts %j as a cloud and as an env', (value) => {
    expect(validateCloudName(value)).toBe(value);
    expect(validateEnvName(value)).toBe(value);
  });

  it.each([
    ['', 'empty'],
    ['AWS', 'invalid_chars'],
    ['aws.stg', 'invalid_chars'],
    ['../sys', 'invalid_chars'],
    ['-aws', 'bad_edge'],
    ['a'.repeat(64), 'too_long'],
    [42, 'not_string'],
  ])('refuses %j (%s), naming the field', (value, problem) => {
    for (const [validate, field] of [
      [validateCloudName, 'cloud'],
      [validateEnvName, 'env'],
    ] as const) {
      try {
        validate(value);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidNameError);
        expect((err as InvalidNameError).field).toBe(field);
        expect((err as InvalidNameError).problem).toBe(problem);
        expect((err as InvalidNameError).message).toMatch(new RegExp(`^${field} name`));
      }
    }
  });
});
