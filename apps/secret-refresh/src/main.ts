/** Entry point: configuration, the run, and every outcome mapped to an exit code in one place. */
import { loadConfig } from './config.js';
import { EXIT, SecretRefreshError } from './errors.js';
import { createLogger } from './log.js';
import { run } from './run.js';

async function main(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  let log = createLogger('info');
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (argv.length > 0) {
    log.error(`invalid configuration: secret-refresh takes no arguments (got ${JSON.stringify(argv[0])}); see --help`);
    return EXIT.failure;
  }
  try {
    const config = loadConfig(env);
    log = createLogger(config.logLevel);
    return await run(config, log);
  } catch (err) {
    if (err instanceof SecretRefreshError) {
      log.error(err.name === 'ConfigError' ? `invalid configuration: ${err.message}` : err.message, { kind: err.name });
      return err.exitCode;
    }
    // Never a stack trace: the message only, which our own code keeps free of secrets.
    log.error(`internal error: ${(err as Error)?.message ?? String(err)}`);
    return EXIT.failure;
  }
}

const HELP = `secret-refresh: keep the pod's Vault token and leases alive; revoke them on SIGTERM.

Usage: secret-refresh            (configuration by environment variables only; see the README)

Inputs, first found wins: SECRET_REFRESH_LEASE_DIR/leases.json (written by secret-init);
VAULT_ADDR + VAULT_TOKEN [+ LEASE_IDS] (also from SECRET_REFRESH_ENV_FILE); VAULT_TOKEN_FILE.
Probes on SECRET_REFRESH_PORT (8098): /healthz /readyz /status.
Exit codes: 0 stopped by a signal, 1 bad configuration or internal error,
2 the token or a lease can no longer be kept alive (the pod must restart).
`;

// No top-level await: the image runs this module bundled as CommonJS (scripts/bundle.mjs), so
// that Node never starts its ES module loader. main() answers every outcome with an exit code.
void main(process.argv.slice(2), process.env).then((code) => process.exit(code));
