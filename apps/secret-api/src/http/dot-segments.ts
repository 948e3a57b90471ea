/**
 * A path segment that is `.` or `..` once decoded (`..`, `%2e%2E`, `.%2e`) means another path to every URL
 * parser on the way: a client's WHATWG URL parser, a proxy, the browser. `DELETE /v1/apps/x/secrets/..` must never
 * become `DELETE /v1/apps/x`, so such a request is refused before it is routed, whoever sends it.
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error.js';

function decodedSegments(rawPath: string): string[] | undefined {
  try {
    return rawPath.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

export function refuseDotSegments() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const raw = req.originalUrl.split('?', 1)[0] ?? '';
    // Nearly every path has neither an escape nor a segment starting with '.': nothing to decode or refuse.
    if (!raw.includes('%') && !raw.includes('/.')) return next();
    const segments = decodedSegments(raw);
    if (segments === undefined) {
      return next(new ApiError('bad_request', 'the request path is not valid percent-encoded UTF-8'));
    }
    if (segments.some((s) => s === '.' || s === '..')) {
      return next(
        new ApiError('bad_request', "the request path contains a '.' or '..' segment; name the resource directly"),
      );
    }
    next();
  };
}
