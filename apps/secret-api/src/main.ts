/**
 * `secret-api` (and `npm start`): reads the environment, fills in the embedded dev stack where
 * product.md §7 says to (no VAULT_ADDR: vault-dev, a dev token issuer), starts the API, prints
 * the exports a user needs, and stops cleanly on SIGINT/SIGTERM.
 */
import { ConfigError, parseConfig } from './config/env.js';
import { readSecretFiles } from './config/secret-files.js';
import { prepareEmbeddedStack } from './embedded/stack.js';
import { StartupError, startSecretApi } from './server.js';

function fail(message: string): never {
  process.stderr.write(`secret-api: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let env;
  try {
    env = await readSecretFiles(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  let embedded;
  try {
    embedded = await prepareEmbeddedStack(env);
  } catch (err) {
    fail(`cannot start the embedded dev stack: ${err instanceof Error ? err.message : String(err)}`);
  }
  let config;
  try {
    config = parseConfig(embedded.env);
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
  const banner = await embedded.banner(api.url);
  if (banner) process.stdout.write(banner);
  const stop = (signal: string) => {
    api.context.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    api
      .close()
      .then(() => embedded.stop())
      .then(
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
