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
 * the built-in policies, which are known to be valid, skip it.
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
  return ours as ObjectList;
}
