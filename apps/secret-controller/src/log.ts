/**
 * JSON lines on stderr. Callers pass identifiers only — pod, namespace, app, status codes — never a token: a
 * wrapping token in a log is a SecretID anyone with log access could unwrap first.
 */
import { createJsonLogger, type LogFields, type Logger, type LogLevel } from '@secret-api/json-log';

export type { LogFields, Logger, LogLevel };

export function createLogger(level?: LogLevel, write?: (line: string) => void, base?: LogFields): Logger {
  return createJsonLogger('secret-controller', { level, write, base });
}
