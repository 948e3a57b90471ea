/**
 * `secret-api` (and `npm start`): reads the environment, fills in the embedded dev stack where
 * product.md §7 says to (no VAULT_ADDR: vault-dev, a dev token issuer), starts the API and prints
 * the exports a user needs. `secret-api dev-token` mints a token of that stack's dev issuer.
 *
 * Every way out of a running server goes through one shutdown: the API (and with it the embedded
 * database) is closed, then vault-dev, then the data directory's lock is released. An embedded
 * database that is not closed loses its latest writes or cannot be opened again.
 */
import { createRequire } from 'node:module';
import { ConfigError, parseConfig, type Config } from './config/env.js';
import { readSecretFiles } from './config/secret-files.js';
import { embeddedDatabaseAdvice } from './embedded/database-advice.js';
import { DevTokenError, DEV_TOKEN_USAGE, mintDevToken, parseDevTokenArgs } from './embedded/dev-token.js';
import { prepareEmbeddedStack, type EmbeddedStack } from './embedded/stack.js';
import { DatabaseOpenError, StartupError, startSecretApi, type RunningSecretApi } from './server.js';

const USAGE = `Usage: secret-api [command]

  (no command)   start the Secret API; configured by environment variables (see README.md).
                 Without VAULT_ADDR it starts the embedded dev stack in $DATA_DIR (default .data).
  dev-token      print a token of the embedded stack's dev issuer for any subject and groups
                 (secret-api dev-token --help)

Options:
  -h, --help     show this help
  -v, --version  print the version
`;

/** How long a shutdown may take before the process exits anyway. */
const STOP_TIMEOUT_MS = 15_000;
/** After a second signal: how long to still wait for the database to close. */
const FORCED_STOP_TIMEOUT_MS = 5_000;

const say = (message: string): void => {
  process.stderr.write(`secret-api: ${message}\n`);
};

function version(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
  return pkg.version;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The running server's parts, closed in reverse order of opening by whichever exit path comes first. */
class Lifecycle {
  private embedded: EmbeddedStack | undefined;
  private api: RunningSecretApi | undefined;
  /** The start-up step in flight; a shutdown waits for it, then closes what it opened. */
  private starting: Promise<unknown> | undefined;
  private stopping: Promise<void> | undefined;
  private databaseClosed: Promise<void> | undefined;

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Runs a start-up step and keeps what it opened; once a shutdown has begun, no further step starts. */
  async step<T>(run: () => Promise<T>, keep: (lifecycle: this, value: T) => void): Promise<T> {
    // The shutdown in progress ends the process; a start-up that went on would open what it then leaves open.
    if (this.stopping) await new Promise<never>(() => undefined);
    const started = run().then((value) => {
      keep(this, value);
      return value;
    });
    this.starting = started;
    return started;
  }

  keepEmbedded(stack: EmbeddedStack): void {
    this.embedded = stack;
  }

  keepApi(api: RunningSecretApi): void {
    this.api = api;
  }

  /** Closes everything and exits with `code`. A second call (a second Ctrl-C) exits once the database is closed. */
  shutdown(code: number): void {
    if (this.stopping) {
      say('stopping now: exiting as soon as the embedded database is closed');
      const force = setTimeout(() => process.exit(1), FORCED_STOP_TIMEOUT_MS);
      force.unref();
      void this.databaseClosed?.finally(() => process.exit(1));
      return;
    }
    const force = setTimeout(() => {
      say(`did not stop within ${STOP_TIMEOUT_MS / 1000} s; exiting`);
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    force.unref();
    this.embedded?.stopping();
    this.databaseClosed = this.closeApi();
    this.stopping = this.databaseClosed.then(() => this.stopEmbedded());
    this.stopping.then(
      () => process.exit(code),
      () => process.exit(1),
    );
  }

  private async closeApi(): Promise<void> {
    // A step in flight either hands over what it opened or, when it fails, has closed it itself.
    await this.starting?.catch(() => undefined);
    try {
      await this.api?.close();
    } catch (err) {
      say(`closing the API failed: ${errorText(err)}`);
    }
  }

  private async stopEmbedded(): Promise<void> {
    try {
      await this.embedded?.stop();
    } catch (err) {
      say(`stopping the embedded dev stack failed: ${errorText(err)}`);
    }
  }
}

async function serve(): Promise<void> {
  const lifecycle = new Lifecycle();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!lifecycle.isStopping) say(`${signal}: shutting down`);
      lifecycle.shutdown(0);
    });
  }
  const fail = (message: string): void => {
    say(message);
    lifecycle.shutdown(1);
  };
  // A bug must not leave the embedded database open: report it (without a stack trace) and shut down.
  process.on('uncaughtException', (err) => fail(`unexpected error: ${errorText(err)}`));
  process.on('unhandledRejection', (err) => fail(`unexpected error: ${errorText(err)}`));

  try {
    await start(lifecycle, fail);
  } catch (err) {
    fail(`unexpected start-up failure: ${errorText(err)}`);
  }
}

async function start(lifecycle: Lifecycle, fail: (message: string) => void): Promise<void> {
  let env;
  try {
    env = await readSecretFiles(process.env);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  let embedded: EmbeddedStack;
  try {
    embedded = await lifecycle.step(
      () => prepareEmbeddedStack(env),
      (l, stack) => l.keepEmbedded(stack),
    );
  } catch (err) {
    return fail(`cannot start the embedded dev stack: ${errorText(err)}`);
  }
  let config: Config;
  try {
    config = parseConfig(embedded.env);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  let api: RunningSecretApi;
  try {
    api = await lifecycle.step(
      () => startSecretApi(config),
      (l, running) => l.keepApi(running),
    );
  } catch (err) {
    if (err instanceof DatabaseOpenError && 'pgliteDir' in config.database) {
      return fail(embeddedDatabaseAdvice(config.database.pgliteDir, err.reason));
    }
    if (err instanceof StartupError) return fail(err.message);
    throw err;
  }
  const banner = await embedded.banner(api.url);
  if (banner && !lifecycle.isStopping) process.stdout.write(banner);
}

async function devToken(args: string[]): Promise<void> {
  try {
    const request = parseDevTokenArgs(args, process.env);
    if (request === undefined) {
      process.stdout.write(DEV_TOKEN_USAGE);
      return;
    }
    const token = await mintDevToken(request, process.env);
    // Only the token on stdout, so that `export SECRET_API_TOKEN=$(secret-api dev-token …)` works.
    process.stdout.write(`${token}\n`);
    const groups = request.groups.length > 0 ? `groups ${request.groups.join(', ')}` : 'no groups claim';
    say(`dev token for ${request.subject} (${groups}), valid ${request.ttlSeconds} s`);
  } catch (err) {
    if (!(err instanceof DevTokenError)) throw err;
    say(`dev-token: ${err.message}`);
    process.exitCode = 1;
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      return serve();
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    case '-v':
    case '--version':
    case 'version':
      process.stdout.write(`secret-api ${version()}\n`);
      return;
    case 'dev-token':
      return devToken(rest);
    default:
      say(`unknown argument ${JSON.stringify(command)}\n\n${USAGE}`);
      process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  say(`unexpected failure: ${errorText(err)}`);
  process.exit(1);
});
