/**
 * The log of the programs that run in a pod (secret-init, secret-refresh, secret-controller): one JSON object a
 * line (`time`, `level`, `name`, then the caller's fields), so the cluster's log pipeline parses it without a
 * format of its own. Small on purpose: the pod-side programs are bundled, and their start-up and memory are budgets.
 *
 * What a line may carry is each program's rule, stated where it creates its logger: identifiers only, never a
 * value read from Vault, a token or a SecretID.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface JsonLogOptions {
  /** The lowest level written (default `info`). */
  level?: LogLevel | undefined;
  /** Where a line goes (default: standard error). */
  write?: ((line: string) => void) | undefined;
  /** Fields on every line, after `name` and before `msg` (a controller replica's identity). */
  base?: LogFields | undefined;
}

/** A logger for the program `name`. A caller's field named like a standard one (`time`, `level`, …) wins. */
export function createJsonLogger(
  name: string,
  { level = 'info', write = (line) => process.stderr.write(line), base = {} }: JsonLogOptions = {},
): Logger {
  const emit = (l: LogLevel, msg: string, fields: LogFields = {}) => {
    if (ORDER[l] < ORDER[level]) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: l, name, ...base, msg, ...fields })}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
