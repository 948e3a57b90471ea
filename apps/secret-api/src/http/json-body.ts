/**
 * Request bodies are JSON, UTF-8, size-limited. They are read by the pipeline only after the caller is
 * authenticated, so an anonymous request learns nothing from how its body is judged (401 comes first) and
 * cannot make the server inflate or parse anything. A body of another media type is refused (415) before
 * anything reads it, rather than silently ignored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import typeis from 'type-is';
import { ApiError } from './api-error.js';

/** A 64 KiB secret value, JSON-escaped, plus the rest of the body. */
export const BODY_LIMIT_BYTES = 512 * 1024;

/** The limit applies to the decoded body too, so a small compressed body cannot expand past it. */
const parse = express.json({ limit: BODY_LIMIT_BYTES, strict: false, type: () => true });

export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The parsed JSON body, or undefined when the request has none. Errors are body-parser's (see error-handler). */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  if (!typeis(req, ['application/json', 'application/*+json'])) {
    throw new ApiError('unsupported_media_type', 'the request body must be application/json');
  }
  await new Promise<void>((resolve, reject) => {
    parse(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
  return (req as IncomingMessage & { body?: unknown }).body;
}
