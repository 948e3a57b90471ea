/** Asks `probe` until `ok` accepts its answer or `ms` pass, and returns the last answer: the caller asserts on it. */
export async function pollUntil<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
