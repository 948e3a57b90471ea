/** `secret-api`: reads the environment, starts the API, stops cleanly on SIGINT/SIGTERM. */
import { ConfigError, parseConfig } from './config/env.js';
import { StartupError, startSecretApi } from './server.js';

function fail(message: string): never {
  process.stderr.write(`secret-api: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  let api;
  try {
    api = await startSecretApi(config);
  } catch (err) {
    if (err instanceof StartupError) fail(err.message);
    throw err;
  }
  const stop = (signal: string) => {
    api.context.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) =>
  fail(`unexpected start-up failure: ${err instanceof Error ? err.message : String(err)}`),
);
