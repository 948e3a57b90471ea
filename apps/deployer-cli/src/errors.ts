/**
 * Every failure the CLI reports, and the one place that turns a failure into an exit code
 * (product.md §5) and into the `--json` error document. Commands throw; they never pick codes.
 */
import type { TProblem, TProblemFieldError } from '@secret-api/contract';

export const EXIT = {
  ok: 0,
  usage: 1,
  auth: 2,
  notFound: 3,
  conflict: 4,
  unavailable: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake in how the CLI was called, caught before any request: bad flag value, missing input. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly code = 'usage',
  ) {
    super(message);
  }
}

/** No API URL or token anywhere (config file, environment). */
export class NotLoggedInError extends Error {
  override readonly name = 'NotLoggedInError';
  readonly code = 'not_logged_in';
}

/**
 * The user declined a confirmation or pressed Ctrl-C at a prompt: not a failure to report, so it is printed as a
 * plain sentence (no `Error:`); the exit code is still 1, so a script never takes it for done.
 */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  readonly code = 'cancelled';
}

/** The Secret API could not be reached at all (refused, DNS, reset, timeout). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  readonly code = 'unreachable';
}

/** The Secret API answered, but not with what the contract says it answers. */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
  readonly code = 'unexpected_response';
}

/** The Secret API answered with an error (problem+json, re-parsed with the contract). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: string;
  readonly status: number;
  readonly errors: TProblemFieldError[];
  readonly requestId: string | undefined;
  /** What to do about it, when the CLI knows better than the API (e.g. how to get a new token). */
  hint: string | undefined;

  constructor(
    status: number,
    detail: string,
    extra: { code?: string | undefined; errors?: TProblemFieldError[]; requestId?: string | undefined } = {},
  ) {
    super(detail);
    this.status = status;
    this.code = extra.code ?? `http_${status}`;
    this.errors = extra.errors ?? [];
    this.requestId = extra.requestId;
  }

  static fromProblem(problem: TProblem, code: string | undefined): ApiError {
    return new ApiError(problem.status, problem.detail || problem.title, {
      code,
      errors: problem.errors ?? [],
      requestId: problem.requestId,
    });
  }
}

/** oclif's parser errors (unknown flag, missing argument, bad option) carry a `parse` member. */
/** oclif's wrapping of a flag's own parse failure: `Parsing --version \n\tExpected an integer but received: abc`. */
const FLAG_PARSE = /^Parsing (--[\w-]+) \n\t/;

function isOclifUsageError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  return 'parse' in err || (err instanceof Error && FLAG_PARSE.test(err.message));
}

/** A CLI error's message as one line of text: `--version: Expected an integer but received: abc`. */
function plainMessage(err: Error): string {
  const extra = (err as { args?: unknown }).args;
  if (Array.isArray(extra) && err.message.startsWith('Unexpected argument')) {
    // oclif lists them; one may be a secret value typed where it must not be (it would land in the CI log too).
    return (
      `${extra.length} unexpected argument${extra.length === 1 ? '' : 's'} (not shown, in case one is a secret: ` +
      'a value is read from stdin, a hidden prompt or --from-file, never from the command line)'
    );
  }
  const flags = (err as { flags?: unknown }).flags;
  if (Array.isArray(flags) && err.message.startsWith('Nonexistent flag')) {
    // `--value=hunter2`, `-phunter2`: the name only; what follows it may be a secret typed on the command line.
    const names = flags.map((f) => {
      const flag = String(f);
      return flag.startsWith('--') ? flag.split('=')[0] : flag.slice(0, 2);
    });
    const cut = names.some((name, i) => name !== String(flags[i]));
    return `Nonexistent flag${names.length === 1 ? '' : 's'}: ${names.join(', ')}${cut ? ' (the value given with it is not shown)' : ''}`;
  }
  return err.message.replace(FLAG_PARSE, '$1: ');
}

function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  // 412: the resource changed since it was read (a conditional PATCH lost the race): a conflict, not a usage error.
  if (status === 409 || status === 412) return EXIT.conflict;
  // 429: the server sheds load for now; like a 5xx, worth retrying later, not a mistake in the call.
  if (status === 429 || status >= 500) return EXIT.unavailable;
  return EXIT.usage;
}

/** The single mapping from a failure to the exit code of product.md §5. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof ApiError) return exitCodeForStatus(err.status);
  if (err instanceof NetworkError || err instanceof UnexpectedResponseError) return EXIT.unavailable;
  if (err instanceof NotLoggedInError) return EXIT.auth;
  if (err instanceof UsageError || err instanceof CancelledError || isOclifUsageError(err)) return EXIT.usage;
  return EXIT.usage;
}

/** The stable machine-readable code of a failure (the problem code for API errors). */
export function errorCodeFor(err: unknown): string {
  if (err instanceof ApiError || err instanceof UsageError) return err.code;
  if (err instanceof NotLoggedInError || err instanceof CancelledError) return err.code;
  if (err instanceof NetworkError || err instanceof UnexpectedResponseError) return err.code;
  if (isOclifUsageError(err)) return 'usage';
  return 'internal';
}

export interface ErrorJson {
  /** The exit code, as sf prints it. */
  status: number;
  name: string;
  message: string;
  code: string;
  httpStatus?: number;
  requestId?: string;
  hint?: string;
  errors?: TProblemFieldError[];
}

/** The `--json` error document (stdout, same exit code as the text form). */
export function errorJson(err: unknown): ErrorJson {
  const out: ErrorJson = {
    status: exitCodeFor(err),
    name: err instanceof Error ? err.name : 'Error',
    message: errorMessage(err),
    code: errorCodeFor(err),
  };
  if (err instanceof ApiError) {
    out.httpStatus = err.status;
    if (err.requestId !== undefined) out.requestId = err.requestId;
    if (err.hint !== undefined) out.hint = err.hint;
    if (err.errors.length > 0) out.errors = err.errors;
  }
  return out;
}

const HELP_HINT = /\n?See more help with --help\s*$/;

function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof ApiError) return withoutPath(err.message);
  // oclif's parser appends a hint meant for a person; the JSON message is the error alone.
  return plainMessage(err).replace(HELP_HINT, '').trim();
}

/** The API's names for list fields, as the CLI's flags call them. */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  ownerGroups: 'owner groups (--owner-group)',
  deployers: 'deployers (--deployer)',
  revealGroups: 'reveal groups (--reveal-group)',
  controllerSubjects: 'controllers (--controller)',
  cidrList: 'CIDR blocks (--cidr)',
};

/** A field message as a person reads it: the API's field names become the CLI's words. */
function fieldMessage(message: string): string {
  return message.replace(
    /^(ownerGroups|deployers|revealGroups|controllerSubjects|cidrList)\b/,
    (name) => FIELD_WORDS[name] ?? name,
  );
}

/** One message per field (the first the API gave), in the API's order; never the field's path. */
function fieldMessages(errors: readonly TProblemFieldError[]): string[] {
  const byPath = new Map<string, string>();
  for (const e of errors) if (!byPath.has(e.path)) byPath.set(e.path, fieldMessage(e.message));
  return [...byPath.values()];
}

/** The detail of a problem without a leading field path (`/body/name: ...`). */
function withoutPath(detail: string): string {
  return fieldMessage(detail.replace(/^\/[^\s:]*: /, ''));
}

/** The plain sentence of a declined confirmation (no `Error:`: nothing went wrong). */
export function isCancellation(err: unknown): err is CancelledError {
  return err instanceof CancelledError;
}

/**
 * The text form, for stderr: `Error: <what>`, one line per invalid field (no API paths), what to do about it when
 * the CLI knows, and the request id once (what an operator needs to find the API's log lines).
 */
export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) {
    const lines = [`Error: ${err instanceof Error ? plainMessage(err) : String(err)}`];
    if (isOclifUsageError(err) && !HELP_HINT.test(lines[0] ?? '')) lines.push('See more help with --help');
    return lines.join('\n');
  }
  const fields = fieldMessages(err.errors);
  const lines =
    fields.length === 1
      ? [`Error: ${fields[0]}`]
      : fields.length > 1
        ? [`Error: ${fields.length} values are invalid:`, ...fields.map((f) => `  - ${f}`)]
        : [`Error: ${withoutPath(err.message)}`];
  if (err.hint !== undefined) lines.push(err.hint);
  if (err.requestId !== undefined && !lines.some((l) => l.includes(err.requestId as string))) {
    lines.push(`(request id ${err.requestId})`);
  }
  return lines.join('\n');
}
