import { describe, expect, it } from 'vitest';
import { canonicalCapabilities } from './capabilities.js';
import { parseDurationSeconds } from './duration.js';

describe('capabilities', () => {
  it("come out in Vault's canonical order whatever order they were listed in", () => {
    expect(canonicalCapabilities(['subscribe', 'patch', 'list', 'sudo', 'delete', 'update', 'read', 'create'])).toEqual(
      ['create', 'read', 'update', 'delete', 'list', 'sudo', 'patch', 'subscribe'],
    );
  });

  it('are de-duplicated', () => {
    expect(canonicalCapabilities(['update', 'create', 'update'])).toEqual(['create', 'update']);
  });

  it('collapse to deny alone when deny is present, as Vault enforces it', () => {
    expect(canonicalCapabilities(['read', 'deny', 'list'])).toEqual(['deny']);
  });
});

describe('durations', () => {
  it.each([
    [300, 300],
    ['300', 300],
    ['300s', 300],
    ['5m', 300],
    ['1h30m', 5400],
    ['0.5m', 30],
    ['1500ms', undefined],
    ['7d', 604800],
    ['', 0],
    [0, 0],
  ])('%j is %j seconds', (input, seconds) => {
    const parsed = parseDurationSeconds(input);
    if (seconds === undefined) expect(parsed).toEqual({ ok: false, message: 'must be a whole number of seconds' });
    else expect(parsed).toEqual({ ok: true, seconds });
  });

  it.each([[-1], ['-5m'], ['5 minutes'], ['1d2h'], [Number.NaN], [Infinity], [{}], [null]])(
    '%j is refused',
    (input) => {
      expect(parseDurationSeconds(input).ok).toBe(false);
    },
  );
});
