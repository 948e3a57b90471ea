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

const duplicated = new WeakMap<IncomingMessage, string>();

/**
 * The first member name that appears twice in one object of `text`, or undefined. RFC 8259 §4 leaves such a body's
 * meaning to the parser (JSON.parse keeps the last, another layer may read the first), so it is refused rather than
 * guessed at. Scans valid JSON only (it runs before the parse, which refuses anything else): it tracks strings and
 * the member names of each open object, with no recursion however deep the nesting.
 */
export function duplicateMember(text: string): string | undefined {
  const open: (Set<string> | null)[] = []; // an object's names so far; null for an array
  let nameNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      while (end < text.length && text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      const names = open[open.length - 1];
      if (nameNext && names) {
        let name: string;
        try {
          name = JSON.parse(text.slice(i, end + 1)) as string;
        } catch {
          return undefined; // not valid JSON after all: the parse says so
        }
        if (names.has(name)) return name;
        names.add(name);
        nameNext = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      nameNext = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
      nameNext = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      nameNext = false;
    } else if (c === 0x2c /* , */) {
      nameNext = Boolean(open[open.length - 1]);
    }
  }
  return undefined;
}

/** Runs on the raw (decompressed) bytes before they are decoded. */
function checkText(req: IncomingMessage, _res: ServerResponse, raw: Buffer): void {
  if (!isUtf8(raw))
    throw Object.assign(new Error('the request body is not valid UTF-8'), { status: 400, type: NOT_UTF8 });
  if (raw.includes('\\u') && SURROGATE_ESCAPE.test(raw.toString('latin1'))) mayHoldLoneSurrogate.add(req);
  // Two members of one object need a comma between them: a body without one (most sets) is not scanned.
  if (!raw.includes(0x2c)) return;
  const name = duplicateMember(raw.toString('utf8'));
  if (name !== undefined) duplicated.set(req, name);
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
  const twice = duplicated.get(req);
  if (twice !== undefined) {
    const shown = twice.length > 64 ? `${twice.slice(0, 64)}…` : twice;
    throw new ApiError(
      'bad_request',
      `the request body names the member ${JSON.stringify(shown)} twice in one object; JSON member names must be unique`,
    );
  }
  if (mayHoldLoneSurrogate.has(req) && !wellFormed(body)) {
    throw new ApiError(
      'bad_request',
      'the request body escapes a lone UTF-16 surrogate (\\uD800-\\uDFFF outside a pair): text must be valid Unicode',
    );
  }
  return body;
}
