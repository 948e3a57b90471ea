/**
 * pino, JSON on stdout. Log lines carry identifiers (request id, subject, app, role name), never
 * payloads: no request or response bodies, no headers, no tokens, no SecretIDs, no values.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'secret-api' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Belt and braces: should a header or body object ever be logged by mistake, these never are.
      redact: {
        paths: [
          'authorization',
          'headers.authorization',
          '*.authorization',
          'token',
          '*.token',
          'value',
          '*.value',
          'secretId',
          'wrappingToken',
          '*.wrappingToken',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
