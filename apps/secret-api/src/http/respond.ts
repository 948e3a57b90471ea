/**
 * Writes an answer on node's own response: what express's `res.send` did for this API, without its per-request
 * work. A text body gets `charset=utf-8` and its Content-Length; a GET or HEAD whose If-None-Match names the
 * answer's ETag is a 304 without a body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import fresh from 'fresh';

function withCharset(type: string): string {
  return /;\s*charset=/i.test(type) ? type : `${type}; charset=utf-8`;
}

function isFresh(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const etag = res.getHeader('ETag');
  if (typeof etag !== 'string' || res.statusCode < 200 || res.statusCode >= 300) return false;
  return fresh(req.headers, { etag });
}

/** Sends `text` as the body, of media type `type`. */
export function sendText(req: IncomingMessage, res: ServerResponse, status: number, type: string, text: string): void {
  res.statusCode = status;
  if (isFresh(req, res)) return sendEmpty(res, 304);
  res.setHeader('Content-Type', withCharset(type));
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Sends an answer without a body (204, 304). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.removeHeader('Content-Type');
  res.removeHeader('Content-Length');
  res.removeHeader('Transfer-Encoding');
  res.end();
}
