import { describe, expect, it } from 'vitest';
import { InvalidNameError } from './errors.js';
import { objectNames, parseClusterName, roleName, validateAppName } from './names.js';

function nameError(fn: () => unknown): InvalidNameError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidNameError) return err;
    throw err;
  }
  throw new Error('expected an InvalidNameError');
}

describe('app names', () => {
  it.each(['myapp', 'a', '0', 'my-app', 'app2', 'a'.repeat(63), 'globals', 'my-project'])('accepts %j', (name) => {
    expect(validateAppName(name)).toBe(name);
  });

  it.each([
    ['', 'empty', 'app name must not be empty'],
    ['../sys', 'invalid_chars', 'app name "../sys" may contain only lowercase letters, digits and "-"'],
    ['my.app', 'invalid_chars', 'app name "my.app" may contain only lowercase letters, digits and "-"'],
    ['MyApp', 'invalid_chars', 'app name "MyApp" may contain only lowercase letters, digits and "-"'],
    ['my_app', 'invalid_chars', 'app name "my_app" may contain only lowercase letters, digits and "-"'],
    ['my app', 'invalid_chars', 'app name "my app" may contain only lowercase letters, digits and "-"'],
    ['app/*', 'invalid_chars', 'app name "app/*" may contain only lowercase letters, digits and "-"'],
    ['a+b', 'invalid_chars', 'app name "a+b" may contain only lowercase letters, digits and "-"'],
    ['app\n', 'invalid_chars', 'app name "app\\n" may contain only lowercase letters, digits and "-"'],
    ['-app', 'bad_edge', 'app name "-app" must start and end with a lowercase letter or digit'],
    ['app-', 'bad_edge', 'app name "app-" must start and end with a lowercase letter or digit'],
    ['global', 'reserved', 'app name "global" is reserved: cluster, global, project name shared secret scopes'],
    ['project', 'reserved', 'app name "project" is reserved: cluster, global, project name shared secret scopes'],
    ['cluster', 'reserved', 'app name "cluster" is reserved: cluster, global, project name shared secret scopes'],
    ['a'.repeat(64), 'too_long', `app name "${'a'.repeat(40)}…" is 64 characters long; at most 63 are allowed`],
    ['x'.repeat(10_000), 'too_long', `app name "${'x'.repeat(40)}…" is 10000 characters long; at most 63 are allowed`],
  ])('refuses %j (%s)', (name, problem, message) => {
    const err = nameError(() => validateAppName(name));
    expect(err).toMatchObject({ field: 'app', problem, message });
  });

  it.each([undefined, null, 42, ['myapp']])('refuses the non-string %j', (value) => {
    expect(nameError(() => validateAppName(value))).toMatchObject({
      field: 'app',
      problem: 'not_string',
      message: 'app name must be a string',
    });
  });

  it('never echoes more than 40 characters of a huge name into the message', () => {
    const err = nameError(() => validateAppName('../'.repeat(4000)));
    expect(err.message.length).toBeLessThan(120);
  });
});

describe('cluster names', () => {
  it('splits "<cloud>.<env>"', () => {
    expect(parseClusterName('aws.stg')).toEqual({ cloud: 'aws', env: 'stg', name: 'aws.stg' });
    expect(parseClusterName('on-prem.prod-eu1')).toEqual({
      cloud: 'on-prem',
      env: 'prod-eu1',
      name: 'on-prem.prod-eu1',
    });
  });

  it.each([
    ['', 'empty', 'cluster name must not be empty'],
    ['aws', 'bad_format', 'cluster name "aws" must be "<cloud>.<env>", e.g. "aws.stg"'],
    ['aws.stg.eu', 'bad_format', 'cluster name "aws.stg.eu" must be "<cloud>.<env>", e.g. "aws.stg"'],
    ['../sys', 'bad_format', 'cluster name "../sys" must be "<cloud>.<env>", e.g. "aws.stg"'],
    ['.stg', 'empty', 'cluster name ".stg" has an empty cloud'],
    ['aws.', 'empty', 'cluster name "aws." has an empty env'],
    [
      'AWS.stg',
      'invalid_chars',
      'cluster name "AWS.stg": cloud "AWS" may contain only lowercase letters, digits and "-"',
    ],
    [
      'aws.st/g',
      'invalid_chars',
      'cluster name "aws.st/g": env "st/g" may contain only lowercase letters, digits and "-"',
    ],
    ['aws.-stg', 'bad_edge', 'cluster name "aws.-stg": env "-stg" must start and end with a lowercase letter or digit'],
    [
      `${'a'.repeat(64)}.stg`,
      'too_long',
      `cluster name "${'a'.repeat(40)}…": cloud "${'a'.repeat(40)}…" is 64 characters long; at most 63 are allowed`,
    ],
    [
      'c'.repeat(10_000),
      'too_long',
      `cluster name "${'c'.repeat(40)}…" is 10000 characters long; at most 127 are allowed`,
    ],
  ])('refuses %j (%s)', (name, problem, message) => {
    expect(nameError(() => parseClusterName(name))).toMatchObject({ field: 'cluster', problem, message });
  });
});

describe('role and object names', () => {
  it('names the AppRole of myapp in aws.stg "aws.stg.myapp"', () => {
    expect(roleName('myapp', 'aws.stg')).toBe('aws.stg.myapp');
    expect(roleName('myapp', { cloud: 'aws', env: 'stg', name: 'aws.stg' })).toBe('aws.stg.myapp');
  });

  it('names both policies and the token role after the role', () => {
    expect(objectNames('myapp', 'aws.stg')).toEqual({
      roleName: 'aws.stg.myapp',
      readPolicy: 'secret-api/read-aws.stg.myapp',
      getSecretIdPolicy: 'secret-api/getsecretid-aws.stg.myapp',
      tokenRole: 'getsecretid-aws.stg.myapp',
    });
  });

  it('checks the app before the cluster, and a hand-built cluster object by its name', () => {
    expect(nameError(() => roleName('../sys', '../sys')).field).toBe('app');
    expect(nameError(() => roleName('myapp', { cloud: 'aws', env: 'stg', name: 'aws/../sys' })).field).toBe('cluster');
  });
});
