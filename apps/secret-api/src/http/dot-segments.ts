/**
 * A path segment that is `.` or `..` once decoded (`..`, `%2e%2E`, `.%2e`) means another path to every URL
 * parser on the way: a client's WHATWG URL parser, a proxy, the browser. `DELETE /v1/apps/x/secrets/..` must never
 * become `DELETE /v1/apps/x`, so such a request is refused before it is routed, whoever sends it.
 */
import { ApiError } from './api-error.js';

function decodedSegments(rawPath: string): string[] | undefined {
  try {
    return rawPath.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

/** Why the request target's path must be refused (a 400), or undefined when it may be routed. */
export function dotSegmentError(requestTarget: string): ApiError | undefined {
  const raw = requestTarget.split('?', 1)[0] ?? '';
  // Nearly every path has neither an escape nor a segment starting with '.': nothing to decode or refuse.
  if (!raw.includes('%') && !raw.includes('/.')) return undefined;
  const segments = decodedSegments(raw);
  if (segments === undefined) return new ApiError('bad_request', 'the request path is not valid percent-encoded UTF-8');
  if (segments.some((s) => s === '.' || s === '..')) {
    return new ApiError('bad_request', "the request path contains a '.' or '..' segment; name the resource directly");
  }
  return undefined;
}
