import { describe, expect, it } from 'vitest';
import { backoffDelay, giveUpAt, judgeGrant, renewDelay } from './schedule.js';

const NOW = 1_000_000;

describe('renewDelay: renew once at most half of the last grant is left, never later than RENEW_INTERVAL', () => {
  it.each([
    // expires in, granted, interval, random → delay
    [60_000, 60, 3_600_000, 0, 30_000],
    [60_000, 60, 3_600_000, 0.999, 35_994],
    [60_000, 60, 10_000, 0, 10_000],
    [20_000, 60, 3_600_000, 0, 0], // already past half: now
    [-5_000, 60, 3_600_000, 0, 0],
    [3_000, 3, 3_600_000, 0.5, 1_650],
  ])(
    'expiring in %i ms after a %i s grant, interval %i ms, random %f → %i ms',
    (left, granted, interval, random, want) => {
      expect(renewDelay({ expiresAt: NOW + left, grantedSeconds: granted }, NOW, interval, random)).toBeCloseTo(
        want,
        0,
      );
    },
  );
});

describe('giveUpAt: a tenth of the grant before expiry, between 0.5 s and 60 s', () => {
  it.each([
    [3, 500],
    [10, 1_000],
    [3_600, 60_000],
  ])('after a %i s grant, %i ms before expiry', (granted, margin) => {
    expect(giveUpAt({ expiresAt: NOW, grantedSeconds: granted })).toBe(NOW - margin);
  });
});

describe('backoffDelay', () => {
  it('grows from 125–250 ms, jittered, capped at 30 s', () => {
    const far = NOW + 10 * 3_600_000;
    expect(backoffDelay(0, NOW, far, 0)).toBe(125);
    expect(backoffDelay(0, NOW, far, 1)).toBe(250);
    expect(backoffDelay(3, NOW, far, 0.5)).toBe(1_500);
    expect(backoffDelay(30, NOW, far, 1)).toBe(30_000);
  });

  it('never waits past half the time left before the deadline (at least 50 ms)', () => {
    expect(backoffDelay(10, NOW, NOW + 4_000, 1)).toBe(2_000);
    expect(backoffDelay(10, NOW, NOW + 20, 1)).toBe(50);
  });
});

describe('judgeGrant', () => {
  it('a full grant is fine; a capped one that still reaches the next renewal is capped; less than half is lost', () => {
    expect(judgeGrant(60, 60, NOW)).toEqual({ kind: 'ok' });
    expect(judgeGrant(60, 3_600, NOW)).toEqual({ kind: 'ok' }); // periodic tokens get their period
    expect(judgeGrant(60, 30, NOW)).toEqual({ kind: 'capped' });
    const lost = judgeGrant(60, 29, NOW);
    expect(lost.kind).toBe('lost');
    expect(lost.kind === 'lost' && lost.reason).toMatch(/max TTL: Vault granted 29s of the 60s asked/);
    expect(judgeGrant(60, 0, NOW).kind).toBe('lost');
  });
});
