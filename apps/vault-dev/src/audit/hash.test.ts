import { describe, expect, it } from 'vitest';
import { AuditSalt, elideListResponseData, hashStructure } from './hash.js';

const tag = (s: string): string => `H(${s})`;

describe('AuditSalt', () => {
  it('HMAC-SHA256s with the salt string as key, as Vault (salt "foo" vectors from hashstructure_test.go)', () => {
    const salt = new AuditSalt('foo');
    expect(salt.identifiedHmac('foo')).toBe(
      'hmac-sha256:08ba357e274f528065766c770a639abf6809b39ccfd37c2a3157c7f51954da0a',
    );
    expect(salt.identifiedHmac('bar')).toBe(
      'hmac-sha256:f9320baf0249169e73850cd6156ded0106e2bb6ad8cab01b7bbbebe6d1065317',
    );
  });

  it('uses a fresh random salt per instance', () => {
    const a = new AuditSalt();
    const b = new AuditSalt();
    expect(a.salt).not.toBe(b.salt);
    expect(a.identifiedHmac('x')).not.toBe(b.identifiedHmac('x'));
    expect(a.identifiedHmac('x')).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  });
});

describe('hashStructure', () => {
  it('hashes every string value at any depth and leaves keys plain', () => {
    const out = hashStructure({ a: 'x', nested: { b: 'y', list: ['z', { c: 'w' }] } }, tag);
    expect(out).toEqual({ a: 'H(x)', nested: { b: 'H(y)', list: ['H(z)', { c: 'H(w)' }] } });
  });

  it('leaves numbers, booleans and null alone unless numbers came from JSON', () => {
    const input = { n: 5, f: 1.5, t: true, nil: null, s: '' };
    expect(hashStructure(input, tag)).toEqual({ n: 5, f: 1.5, t: true, nil: null, s: 'H()' });
    expect(hashStructure(input, tag, [], { hashNumbers: true })).toEqual({
      n: 'H(5)',
      f: 'H(1.5)',
      t: true,
      nil: null,
      s: 'H()',
    });
  });

  it('exempts values whose nearest map key is a non-HMAC key', () => {
    const input = { keep: 'plain', list: ['a', 'b'], obj: { keep: 'inner', other: 'x' }, deep: { inner: 'y' } };
    expect(hashStructure(input, tag, ['keep', 'list', 'deep'], { hashNumbers: true })).toEqual({
      keep: 'plain',
      list: ['a', 'b'],
      obj: { keep: 'inner', other: 'H(x)' },
      // The nearest key of "y" is "inner", not "deep".
      deep: { inner: 'H(y)' },
    });
  });

  it('does not modify its input', () => {
    const input = { a: 'x', l: ['y'] };
    hashStructure(input, tag);
    expect(input).toEqual({ a: 'x', l: ['y'] });
  });

  it('turns dates into RFC3339Nano and bytes into base64, unhashed (Go time.Time and []byte)', () => {
    const out = hashStructure({ t: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120)), b: Uint8Array.from([1, 2, 3]) }, tag);
    expect(out).toEqual({ t: '2024-01-02T03:04:05.12Z', b: 'AQID' });
  });
});

describe('elideListResponseData', () => {
  it('replaces keys and key_info with counts and keeps other fields', () => {
    expect(elideListResponseData({ keys: ['a', 'b', 'c'], key_info: { a: {}, b: {} }, other: 'x' })).toEqual({
      keys: 3,
      key_info: 2,
      other: 'x',
    });
  });
});
