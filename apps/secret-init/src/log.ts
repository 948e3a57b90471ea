/**
 * JSON lines on stderr (stdout belongs to `exec`'s child). Callers pass identifiers only —
 * paths, counts, accessors, names — never a value read from Vault, a token or a SecretID.
 */
import { createJsonLogger, type LogFields, type Logger, type LogLevel } from '@secret-api/json-log';

export type { LogFields, Logger, LogLevel };

export function createLogger(level?: LogLevel, write?: (line: string) => void): Logger {
  return createJsonLogger('secret-init', { level, write });
}
