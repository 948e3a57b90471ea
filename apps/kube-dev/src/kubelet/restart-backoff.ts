/**
 * The kubelet's crash-loop back-off (its flowcontrol.Backoff, as the kubelet sets it up): the first
 * restart of a container waits the initial delay (10 s), each next one twice the last, up to the cap
 * (5 min); a container whose previous back-off began more than twice the cap ago (10 min: it ran
 * that long without trouble) starts again from the initial delay. Every restart of secret-init is
 * a fresh login with a fresh SecretID, so a stand-in that restarted sooner than a real node would
 * show a failing pod costing the API far more than it does in a cluster.
 */
export interface RestartBackoffEntry {
  delayMs: number;
  /** When this back-off began (ms since the epoch). */
  at: number;
}

export const INITIAL_RESTART_BACKOFF_MS = 10_000;
export const MAX_RESTART_BACKOFF_MS = 300_000;

/** The back-off for a container that exited at `now`, after `previous` (undefined on its first restart). */
export function nextRestartBackoff(
  previous: RestartBackoffEntry | undefined,
  now: number,
  initialMs = INITIAL_RESTART_BACKOFF_MS,
  maxMs = MAX_RESTART_BACKOFF_MS,
): RestartBackoffEntry {
  if (previous === undefined || now - previous.at > 2 * maxMs) return { delayMs: Math.min(initialMs, maxMs), at: now };
  return { delayMs: Math.min(previous.delayMs * 2, maxMs), at: now };
}
