/** Entry point: parse, run, and map every outcome to an exit code in one place. */
import { readFileSync } from 'node:fs';
import { HELP, parseArgs } from './cli.js';
import { loadConfig } from './config.js';
import { ConfigError, EXIT, SecretInitError } from './errors.js';
import { createLogger, type LogLevel } from './log.js';
import { runExec, runInit } from './run.js';

async function main(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const bootLevel = (['debug', 'info', 'warn', 'error'] as const).find((l) => l === env['SECRET_INIT_LOG_LEVEL']);
  let log = createLogger(bootLevel ?? 'info');
  try {
    const command = parseArgs(argv);
    if (command.kind === 'help') {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    if (command.kind === 'version') {
      process.stdout.write(`${version()}\n`);
      return EXIT.ok;
    }
    const config = loadConfig(env);
    log = createLogger(config.logLevel as LogLevel);
    if (command.kind === 'exec') return await runExec(config, env, command.command, log);
    await runInit(config, env, log);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error(`invalid configuration: ${err.message}`);
      return err.exitCode;
    }
    if (err instanceof SecretInitError) {
      log.error(err.message, { kind: err.name });
      return err.exitCode;
    }
    // Never a stack trace: the message only, which our own code keeps free of secrets.
    log.error(`internal error: ${(err as Error)?.message ?? String(err)}`);
    return EXIT.failure;
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const code = await main(process.argv.slice(2), process.env);
// Exit now: keep-alive sockets or a closing server must not hold a pod's init container open.
process.exit(code);
