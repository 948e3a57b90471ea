/**
 * The API's listen address, checked before the embedded stack opens anything: finding the port taken only after
 * the database was opened is how a second `npm start` used to damage the first one's data.
 */
import { createServer } from 'node:net';

export class ApiPortError extends Error {
  override name = 'ApiPortError';
}

/** PORT and HOST as parseConfig reads them; odd values are left to parseConfig to report. */
export function apiListenAddress(
  env: Readonly<Record<string, string | undefined>>,
): { host: string; port: number } | undefined {
  const rawPort = env['PORT']?.trim() || '8080';
  const host = env['HOST']?.trim() || '127.0.0.1';
  if (!/^[0-9]{1,5}$/.test(rawPort)) return undefined;
  const port = Number(rawPort);
  // Port 0 asks for any free port: nothing to check.
  return port > 0 && port <= 65_535 ? { host, port } : undefined;
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Throws ApiPortError when the API could not listen where the environment says it will. */
export async function assertApiPortFree(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const address = apiListenAddress(env);
  if (address === undefined) return;
  const err = await tryListen(address.host, address.port);
  if (err === undefined) return;
  const where = `${address.host}:${address.port}`;
  if (err.code === 'EADDRINUSE') {
    throw new ApiPortError(
      `${where} is already in use (another secret-api?); stop what listens there, or set PORT to another port`,
    );
  }
  throw new ApiPortError(`cannot listen on ${where} (${err.code ?? err.message}); check HOST and PORT`);
}
