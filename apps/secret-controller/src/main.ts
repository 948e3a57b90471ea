/** The `secret-controller` program: configuration from the environment, then run until SIGTERM/SIGINT. */
import { ConfigError, parseConfig } from './config.js';
import { startController } from './controller.js';

async function main(): Promise<void> {
  let controller;
  try {
    controller = await startController(parseConfig(process.env));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`secret-controller: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'info', name: 'secret-controller', msg: 'stopping', signal })}\n`,
    );
    controller.stop({ release: true }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: Error) => {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'error', name: 'secret-controller', msg: 'failed to start', error: err.message })}\n`,
  );
  process.exit(1);
});
