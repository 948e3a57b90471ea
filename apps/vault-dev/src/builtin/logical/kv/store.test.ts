import { describe, expect, it } from 'vitest';
import {
  addVersion,
  canonicalize,
  createSystemClock,
  deletionTime,
  formatTimestamp,
  listChildren,
  mergePatch,
  newKeyMetadata,
} from './store.js';

const ns = (iso: string, extraNanos = 0n): bigint => BigInt(Date.parse(iso)) * 1_000_000n + extraNanos;

describe('formatTimestamp (Go RFC3339Nano)', () => {
  it.each([
    [ns('2018-03-22T02:36:43.986Z', 212_308n), '2018-03-22T02:36:43.986212308Z'],
    [ns('2018-03-22T02:36:43.000Z'), '2018-03-22T02:36:43Z'],
    [ns('2018-03-22T02:36:43.100Z'), '2018-03-22T02:36:43.1Z'],
    [ns('2021-09-10T15:26:08.684Z', 999_000n), '2021-09-10T15:26:08.684999Z'],
    [ns('2021-01-01T00:00:00.000Z', 5n), '2021-01-01T00:00:00.000000005Z'],
    [null, ''],
  ])('%s → %s', (input, expected) => {
    expect(formatTimestamp(input)).toBe(expected);
  });

  it('the system clock reads close to Date.now with nanosecond digits and never goes backwards', () => {
    const clock = createSystemClock();
    const a = clock.now();
    const b = clock.now();
    expect(b >= a).toBe(true);
    expect(Math.abs(Number(a / 1_000_000n) - Date.now())).toBeLessThan(1000);
  });
});

describe('deletionTime', () => {
  it.each([
    [0, 0, null],
    [60, 0, 60],
    [0, 30, 30],
    [60, 30, 30],
    [30, 60, 30],
  ])('mount %i, key %i → +%s s', (mount, meta, expected) => {
    const t = deletionTime(1_000_000_000n, mount, meta);
    expect(t === null ? null : Number((t - 1_000_000_000n) / 1_000_000_000n)).toBe(expected);
  });
});

describe('addVersion', () => {
  it('keeps oldest_version at 0 until the window fills', () => {
    const meta = newKeyMetadata('k');
    const oldest: number[] = [];
    for (let i = 1; i <= 12; i++) {
      addVersion(meta, BigInt(i), null, 0);
      oldest.push(meta.oldestVersion);
    }
    expect(oldest).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
    expect([...meta.versions.keys()]).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('sets created_time once and updated_time on every version', () => {
    const meta = newKeyMetadata('k');
    addVersion(meta, 5n, null, 0);
    addVersion(meta, 9n, null, 0);
    expect([meta.createdTime, meta.updatedTime]).toEqual([5n, 9n]);
  });
});

describe('JSON helpers', () => {
  it('mergePatch follows RFC 7386', () => {
    expect(mergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(mergePatch({ a: 'b' }, { a: null })).toEqual({});
    expect(mergePatch({ a: ['b'] }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'c' }, { a: ['b'] })).toEqual({ a: ['b'] });
    expect(mergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(mergePatch({ a: 'foo' }, 'bar')).toBe('bar');
    expect(mergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });

  it('canonicalize sorts keys deeply and keeps __proto__ as data', () => {
    const input = JSON.parse('{"b":1,"a":{"d":2,"c":[{"z":1,"y":2}]},"__proto__":{"x":1}}') as Record<string, unknown>;
    const out = canonicalize(input) as Record<string, unknown>;
    expect(JSON.stringify(out)).toBe('{"__proto__":{"x":1},"a":{"c":[{"y":2,"z":1}],"d":2},"b":1}');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('listChildren returns sorted immediate children with folders suffixed', () => {
    const keys = ['foo', 'foo/bar', 'foo/baz/x', 'b', 'a/'];
    expect(listChildren(keys, '')).toEqual(['a/', 'b', 'foo', 'foo/']);
    expect(listChildren(keys, 'foo/')).toEqual(['bar', 'baz/']);
    expect(listChildren(keys, 'a/')).toEqual([]);
  });
});
