/**
 * JSON lines on stderr. Callers pass identifiers only — pod, namespace, app, status codes — never a token: a
 * wrapping token in a log is a SecretID anyone with log access could unwrap first.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
  base: LogFields = {},
): Logger {
  const emit = (l: LogLevel, msg: string, fields: LogFields = {}) => {
    if (ORDER[l] < ORDER[level]) return;
    write(
      `${JSON.stringify({ time: new Date().toISOString(), level: l, name: 'secret-controller', ...base, msg, ...fields })}\n`,
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
