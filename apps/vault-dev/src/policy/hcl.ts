/**
 * `hcl.Parse` for policies.
 *
 * Two parsers cooperate:
 *
 *  - `js-hcl-parser` is hashicorp/hcl v1 itself, compiled to JavaScript with
 *    GopherJS. It is the authority on what is a syntax error and on the exact
 *    text of hcl's syntax error messages. Its only output, though, is a string
 *    (a re-printed document or a message): it exposes neither positions nor
 *    the AST, and it predates hcl's duplicate-attribute check.
 *  - hcl-parser.ts builds the positioned AST Vault's policy code walks
 *    (`CheckHCLKeys` reports line numbers, decoding reports positions) and adds
 *    the duplicate-attribute error of current Vault.
 *
 * When the real hcl reports a syntax error, that message wins (unless our
 * duplicate-attribute error comes first in the file, as it would in Vault).
 * If the package cannot be loaded, our own parser's messages are used; they
 * matched hcl's on every generated document of the differential test in
 * policy.test.ts. The real parser costs about 10 ms per ordinary policy, so
 * the built-in policies, which are known to be valid, skip it, and a document
 * shaped like one the real parser already accepted skips it too (see
 * {@link syntaxShape}): a policy manager writes thousands of policies that
 * differ only in the names inside their strings.
 */
import { createRequire } from 'node:module';
import type { ObjectList, Pos } from './hcl-ast.js';
import { HclSyntaxError, isJsonInput, parseHclDocument } from './hcl-parser.js';

interface JsHcl {
  stringify(input: string): string;
}

let jsHcl: JsHcl | null | undefined;

/**
 * Loads js-hcl-parser once. GopherJS sets `global.require` and
 * `Error.stackTraceLimit = Infinity` as side effects; both are put back.
 */
function loadJsHcl(): JsHcl | null {
  if (jsHcl !== undefined) return jsHcl;
  const g = globalThis as Record<string, unknown>;
  const hadRequire = Object.prototype.hasOwnProperty.call(g, 'require');
  const previousRequire = g['require'];
  const previousLimit = Error.stackTraceLimit;
  try {
    const mod: unknown = createRequire(import.meta.url)('js-hcl-parser');
    jsHcl =
      typeof mod === 'object' && mod !== null && typeof (mod as { stringify?: unknown }).stringify === 'function'
        ? (mod as JsHcl)
        : null;
  } catch {
    jsHcl = null;
  } finally {
    if (hadRequire) g['require'] = previousRequire;
    else delete g['require'];
    Error.stackTraceLimit = previousLimit;
  }
  return jsHcl;
}

const PARSE_FAILURE = 'unable to parse HCL: ';

/** The real hcl's syntax error for `src`, or undefined when it parses. */
function realHclSyntaxError(src: string): string | undefined {
  const hcl = loadJsHcl();
  if (!hcl) return undefined;
  let out: string;
  try {
    out = hcl.stringify(src);
  } catch {
    return undefined; // a panic inside the printer says nothing about syntax
  }
  return out.startsWith(PARSE_FAILURE) ? out.slice(PARSE_FAILURE.length) : undefined;
}

/**
 * The document with the text of every string literal replaced by `s` and of every line comment dropped,
 * or undefined when that cannot be done safely: JSON input, a heredoc (whose body the quotes below would
 * misread), or a literal that is not plain (escapes and interpolations change how hcl scans the rest).
 * hcl's scanner and parser treat a plain literal — no `\\`, `$`, `{`, `}` or control characters — as one
 * STRING token whatever it holds, and a line comment of printable characters as a comment to the end of
 * the line, so two documents of one shape get the same syntax verdict from the real hcl. Everything else
 * — identifiers, numbers, punctuation, whitespace, block comments — is kept verbatim.
 */
export function syntaxShape(src: string): string | undefined {
  if (src.includes('<<') || isJsonInput(src)) return undefined;
  let out = '';
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    const two = src.slice(i, i + 2);
    let end: number;
    if (ch === '#' || two === '//') {
      end = src.indexOf('\n', i);
      end = end === -1 ? src.length : end;
      const text = src.slice(i, end);
      out += /^(#|\/\/)[\t\x20-\x7e]*$/.test(text) ? (ch === '#' ? '#' : '//') : text;
      i = end;
      continue;
    }
    if (two === '/*') {
      end = src.indexOf('*/', i + 2);
      end = end === -1 ? src.length : end + 2;
    } else if (ch === '"') {
      const literal = /^"[\x20\x21\x23\x25-\x5b\x5d-\x7a\x7c\x7e]*"/.exec(src.slice(i, i + 4096));
      if (!literal) return undefined;
      out += '"s"';
      i += literal[0].length;
      continue;
    } else {
      end = i + 1;
    }
    out += src.slice(i, end);
    i = end;
  }
  return out;
}

/** Shapes of documents the real hcl accepted; a bounded set (oldest out first), since writers choose them. */
const ACCEPTED_SHAPES = new Set<string>();
const MAX_ACCEPTED_SHAPES = 1000;
const MAX_SHAPE_LENGTH = 64 * 1024;

function rememberAccepted(shape: string | undefined): void {
  if (shape === undefined || shape.length > MAX_SHAPE_LENGTH || ACCEPTED_SHAPES.has(shape)) return;
  if (ACCEPTED_SHAPES.size >= MAX_ACCEPTED_SHAPES) ACCEPTED_SHAPES.delete(ACCEPTED_SHAPES.values().next().value!);
  ACCEPTED_SHAPES.add(shape);
}

/** The position in an hcl message (`At 3:1: ...` or `3:1: ...`), if any. */
function messagePos(message: string): Pos | undefined {
  const m = /^(?:At )?(\d+):(\d+): /.exec(message);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

function before(a: Pos, b: Pos): boolean {
  return a.line < b.line || (a.line === b.line && a.column <= b.column);
}

/**
 * Parses an HCL or JSON policy document. Throws HclSyntaxError whose message
 * is exactly what hcl's `Parse` returns (Vault prefixes it with
 * `failed to parse policy: `).
 */
export function parseHcl(src: string, options: { trusted?: boolean } = {}): ObjectList {
  let ours: ObjectList | undefined;
  let ourError: HclSyntaxError | undefined;
  try {
    ours = parseHclDocument(src);
  } catch (e) {
    if (!(e instanceof HclSyntaxError)) throw e;
    ourError = e;
  }
  // Known-good documents (the built-in policies) skip the slower real parser.
  if (options.trusted && !ourError) return ours as ObjectList;
  const shape = ourError ? undefined : syntaxShape(src);
  if (shape !== undefined && ACCEPTED_SHAPES.has(shape)) return ours as ObjectList;
  const real = realHclSyntaxError(src);
  if (real !== undefined) {
    if (ourError?.duplicate && !isJsonInput(src)) {
      const realPos = messagePos(real);
      const dupEnd = ourError.endPos ?? ourError.pos;
      if (realPos && dupEnd && !before(realPos, dupEnd)) throw ourError;
    }
    throw new HclSyntaxError(real, messagePos(real));
  }
  if (ourError) throw ourError;
  // Only when the real parser was there to accept it: without it nothing was checked beyond our own parser.
  if (loadJsHcl()) rememberAccepted(shape);
  return ours as ObjectList;
}
