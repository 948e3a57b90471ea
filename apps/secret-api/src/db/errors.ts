/**
 * Database failures as the API sees them: a unique violation is the client's conflict; anything
 * that means the database could not answer is "unavailable" (503); everything else is a bug.
 */
import { Prisma } from '@secret-api/prisma';

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

const UNAVAILABLE_CODES = new Set([
  'P1001', // can't reach database server
  'P1002', // server reached but timed out
  'P1008', // operation timed out
  'P1017', // server closed the connection
  'P2024', // timed out fetching a connection from the pool
  'P2028', // transaction API error (e.g. the transaction timed out waiting for a connection)
]);

/** Driver-level messages that mean "no database" rather than "bad query". */
const UNAVAILABLE_TEXT =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|Connection terminated|connection timeout|timeout exceeded when trying to connect|Can't reach database|the database system is (starting up|shutting down)|terminating connection|Client has encountered a connection error|DatabaseNotReachable|ConnectionClosed|SocketTimeout|TooManyConnections|Closed the connection|pglite is closed|PGlite is closed/i;

/** A unique violation, from a model query (P2002) or a raw one (P2010 carrying the driver's kind). */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (err.code === 'P2002') return true;
  const cause = (err.meta as { driverAdapterError?: { cause?: { kind?: unknown } } } | undefined)?.driverAdapterError
    ?.cause;
  return err.code === 'P2010' && cause?.kind === 'UniqueConstraintViolation';
}

/** True for "the row to update/delete does not exist". */
export function isRecordNotFound(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025';
}

export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (err instanceof Prisma.PrismaClientInitializationError) return true;
  if (err instanceof Prisma.PrismaClientKnownRequestError && UNAVAILABLE_CODES.has(err.code)) return true;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (UNAVAILABLE_TEXT.test(e.message) || UNAVAILABLE_TEXT.test(String((e as { code?: unknown }).code ?? ''))) {
      return true;
    }
    const kind = (e as { cause?: { kind?: unknown } }).cause?.kind;
    if (typeof kind === 'string' && UNAVAILABLE_TEXT.test(kind)) return true;
  }
  return false;
}
