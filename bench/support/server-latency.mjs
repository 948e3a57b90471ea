// The API's own view of a route's latency: its request-duration histogram (GET /metrics), from the request's
// parsed head to the answer handed to the kernel. Set against the client's percentiles it tells whether a tail is
// the API's own work or time spent before the API sees the request or after it answered (the load generator, the
// scheduler of a 2-core machine). The histogram counts every request the process answered, warm-ups included.

const BUCKETS_LINE =
  /^secret_api_http_request_duration_seconds_bucket\{le="([^"]+)",route="([^"]+)",method="([^"]+)"\} (\d+)$/;

/** Fractions of `method route` answers within each bucket bound, as printable text. */
export async function serverLatency(stack, { method, route }) {
  const res = await fetch(`${stack.api.address}/metrics`, { headers: stack.admin });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${text}`);
  const buckets = [];
  for (const line of text.split('\n')) {
    const m = BUCKETS_LINE.exec(line);
    if (m && m[2] === route && m[3] === method) buckets.push({ le: m[1], count: Number(m[4]) });
  }
  const total = buckets.find((b) => b.le === '+Inf')?.count ?? 0;
  if (total === 0) return `server-side latency of ${method} ${route}: no requests recorded`;
  const shares = buckets
    .filter((b) => ['0.001', '0.0025', '0.005', '0.01'].includes(b.le))
    .map((b) => `${((100 * b.count) / total).toFixed(2)}% ≤ ${Number(b.le) * 1000} ms`);
  return `server-side latency of ${method} ${route} (${total} answers, warm-ups included): ${shares.join(', ')}`;
}
