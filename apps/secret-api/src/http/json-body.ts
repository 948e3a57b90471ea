/**
 * Request bodies are JSON, UTF-8, size-limited. They are read by the pipeline only after the caller is
 * authenticated, so an anonymous request learns nothing from how its body is judged (401 comes first) and
 * cannot make the server inflate or parse anything. A body of another media type is refused (415) before
 * anything reads it, rather than silently ignored.
 *
 * Text must arrive as it will be stored: a body that is not valid UTF-8, or whose JSON escapes spell a lone
 * UTF-16 surrogate, is refused (400). Decoding would otherwise turn either into U+FFFD, and a secret value would
 * be answered 200 and written to Vault as something other than what was sent.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import typeis from 'type-is';
import { ApiError } from './api-error.js';

/** A 64 KiB secret value, JSON-escaped, plus the rest of the body. */
export const BODY_LIMIT_BYTES = 512 * 1024;

/** body-parser's `type` for a body refused by {@link checkText} (error-handler maps it). */
export const NOT_UTF8 = 'entity.not.utf8';

/** A surrogate escape (`\\uD800`–`\\uDFFF`): only then can the parsed text hold a lone surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const mayHoldLoneSurrogate = new WeakSet<IncomingMessage>();

/** Runs on the raw (decompressed) bytes before they are decoded. */
function checkText(req: IncomingMessage, _res: ServerResponse, raw: Buffer): void {
  if (!isUtf8(raw))
    throw Object.assign(new Error('the request body is not valid UTF-8'), { status: 400, type: NOT_UTF8 });
  if (raw.includes('\\u') && SURROGATE_ESCAPE.test(raw.toString('latin1'))) mayHoldLoneSurrogate.add(req);
}

/** The limit applies to the decoded body too, so a small compressed body cannot expand past it. */
const parse = express.json({ limit: BODY_LIMIT_BYTES, strict: false, type: () => true, verify: checkText });

/** True when every string in `value`, object keys included, is well-formed Unicode. */
function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([key, item]) => key.isWellFormed() && wellFormed(item));
  }
  return true;
}

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
  const body = (req as IncomingMessage & { body?: unknown }).body;
  if (mayHoldLoneSurrogate.has(req) && !wellFormed(body)) {
    throw new ApiError(
      'bad_request',
      'the request body escapes a lone UTF-16 surrogate (\\uD800-\\uDFFF outside a pair): text must be valid Unicode',
    );
  }
  return body;
}
