/**
 * JSON lines on stderr. Callers pass identifiers only — lease ids, accessors, paths, times —
 * never the token (lease ids are not secrets: they cannot be used without a token).
 */
import { createJsonLogger, type LogFields, type Logger, type LogLevel } from '@secret-api/json-log';

export type { LogFields, Logger, LogLevel };

export function createLogger(level?: LogLevel, write?: (line: string) => void): Logger {
  return createJsonLogger('secret-refresh', { level, write });
}
