/**
 * Request bodies are JSON, UTF-8, size-limited. A body of another media type is refused (415)
 * before anything reads it, rather than silently ignored.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError } from './api-error.js';

/** A 64 KiB secret value, JSON-escaped, plus the rest of the body. */
export const BODY_LIMIT_BYTES = 512 * 1024;

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function jsonBody() {
  const parse = express.json({ limit: BODY_LIMIT_BYTES, strict: false, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!hasBody(req)) return next();
    if (!req.is('application/json') && !req.is('application/*+json')) {
      return next(new ApiError('unsupported_media_type', 'the request body must be application/json'));
    }
    parse(req, res, next);
  };
}
