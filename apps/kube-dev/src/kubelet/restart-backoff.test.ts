import { describe, expect, it } from 'vitest';
import { nextRestartBackoff, type RestartBackoffEntry } from './restart-backoff.js';

const MINUTE = 60_000;

/** The waits of successive restarts, the container exiting at each of `times` (ms). */
function waits(times: number[], initialMs?: number, maxMs?: number): number[] {
  let entry: RestartBackoffEntry | undefined;
  return times.map((t) => {
    entry = nextRestartBackoff(entry, t, initialMs, maxMs);
    return entry.delayMs;
  });
}

describe("the kubelet's restart back-off", () => {
  it('waits 10 s, then twice as long each restart, capped at 5 minutes', () => {
    const exits = [0, 11, 32, 73, 154, 315, 616, 917].map((s) => s * 1000);
    expect(waits(exits)).toEqual([10, 20, 40, 80, 160, 300, 300, 300].map((s) => s * 1000));
  });

  it('starts again from 10 s once the last back-off began more than 10 minutes before the exit', () => {
    expect(waits([0, 11_000, 11_000 + 10 * MINUTE + 1])).toEqual([10_000, 20_000, 10_000]);
    expect(waits([0, 11_000, 11_000 + 10 * MINUTE])).toEqual([10_000, 20_000, 40_000]);
  });

  it('scales with a shorter first wait and cap (tests compress time)', () => {
    expect(waits([0, 1, 2, 3], 200, 500)).toEqual([200, 400, 500, 500]);
    expect(waits([0, 1001 + 0], 200, 500)).toEqual([200, 200]);
  });
});
