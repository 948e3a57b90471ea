import { goQuote } from './lex.js';

/**
 * Typed errors. Messages follow Go's text exactly (`template: NAME:LINE: …` for parse errors,
 * `template: NAME:LINE:COL: executing "NAME" at <…>: …` for execution errors) so people who
 * know Go templates recognise them; the fields let callers report without parsing the text.
 */

/** Base class: catch this to catch everything the engine throws on a bad template or bad data. */
export class GoTemplateError extends Error {
  override name = 'GoTemplateError';
}

export class TemplateParseError extends GoTemplateError {
  override name = 'TemplateParseError';
  constructor(
    /** The name of the template being parsed (Go's ParseName). */
    readonly templateName: string,
    readonly line: number,
    /** The message after the location. */
    readonly detail: string,
  ) {
    super(`template: ${templateName}:${line}: ${detail}`);
  }
}

export class TemplateExecError extends GoTemplateError {
  override name = 'TemplateExecError';
  constructor(
    /** The name of the source the failing node was parsed from. */
    readonly templateName: string,
    readonly line: number,
    /** Byte column within the line, counted from 0 as Go does. */
    readonly column: number,
    /** The template (or `define`d template) being executed. */
    readonly executing: string,
    /** The failing node as template text. */
    readonly context: string,
    readonly detail: string,
    /** The function whose call failed, when a call failed. */
    readonly functionName?: string,
  ) {
    super(`template: ${templateName}:${line}:${column}: executing ${goQuote(executing)} at <${context}>: ${detail}`);
  }
}

/** Raised by `execute` when a dependency function is called whose answer was not supplied. */
export class MissingDependencyError extends GoTemplateError {
  override name = 'MissingDependencyError';
}

/** Line (from 1) and byte column (from 0) of an offset, as Go's ErrorContext computes them. */
export function lineAndColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line, column: Buffer.byteLength(before.slice(lineStart), 'utf8') };
}
