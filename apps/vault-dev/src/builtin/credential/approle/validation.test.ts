import { afterEach, describe, expect, it } from 'vitest';
import {
  createHMAC,
  deriveSecretIDTTL,
  formatSecretIdTime as formatRFC3339Nano,
  parseArbitraryKeyValues,
} from './validation.js';

describe('SecretID metadata parsing (strutil.ParseArbitraryKeyValues)', () => {
  it.each([
    ['{"a":"1","b":"2"}', { a: '1', b: '2' }],
    [Buffer.from('{"a":"1"}').toString('base64'), { a: '1' }],
    ['A=1, b = 2', { a: '1', b: '2' }],
    [Buffer.from('k=v').toString('base64'), { k: 'v' }],
    ['  ', {}],
    // JSON null leaves the map empty (plain "null" is valid base64, so it must come encoded).
    [Buffer.from('null').toString('base64'), {}],
    ['{"":"x"}', { '': 'x' }],
  ])('%j → %j', (input, expected) => {
    expect(parseArbitraryKeyValues(input)).toEqual(expected);
  });

  it.each([
    ['[1]', 'failed to parse the input: invalid <key,value> format'],
    // Valid base64, so Go decodes it to garbage first.
    ['null', 'failed to parse the input: invalid <key,value> format'],
    ['a=b=c', 'failed to parse the input: invalid <key,value> format'],
    ['{"a":null}', 'invalid value for key "a"'],
    ['=v', 'failed to parse the input: invalid <key,value> pair: key: "" value: "v"'],
  ])('%j is refused: %s', (input, message) => {
    expect(() => parseArbitraryKeyValues(input)).toThrow(message);
  });
});

describe('HMAC and TTL helpers', () => {
  it('createHMAC refuses an empty key and inputs over 4096 bytes', () => {
    expect(createHMAC('k', 'v')).toMatch(/^[0-9a-f]{64}$/);
    expect(() => createHMAC('', 'v')).toThrow('invalid HMAC key');
    expect(() => createHMAC('k', 'é'.repeat(2049))).toThrow('value is longer than maximum of 4096 bytes');
  });

  it.each([
    [0, 0],
    [600, 600],
    [2764800, 2764800],
    [2764801, 2764800],
    [-1, 2764800],
  ])('deriveSecretIDTTL(%i) with a 768h mount max is %i', (ttl, derived) => {
    expect(deriveSecretIDTTL(ttl, 2764800)).toBe(derived);
  });
});

describe("times as Go's encoding/json writes them", () => {
  const savedTZ = process.env.TZ;
  afterEach(() => {
    if (savedTZ === undefined) delete process.env.TZ;
    else process.env.TZ = savedTZ;
  });

  it.each([
    [0n, 'UTC', '0001-01-01T00:00:00Z'],
    [1_700_000_000_123_456_789n, 'UTC', '2023-11-14T22:13:20.123456789Z'],
    [1_700_000_000_120_000_000n, 'UTC', '2023-11-14T22:13:20.12Z'],
    [1_700_000_000_000_000_000n, 'UTC', '2023-11-14T22:13:20Z'],
    [1_700_000_000_500_000_000n, 'Asia/Kolkata', '2023-11-15T03:43:20.5+05:30'],
    [1_700_000_000_000_000_001n, 'America/New_York', '2023-11-14T17:13:20.000000001-05:00'],
  ])('%s in %s is %s', (ns, tz, text) => {
    process.env.TZ = tz;
    expect(formatRFC3339Nano(ns)).toBe(text);
  });
});
