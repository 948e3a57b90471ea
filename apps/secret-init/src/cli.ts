/** The command line: `secret-init [run]`, `secret-init exec [--] CMD…`, `--help`, `--version`. */
import { ConfigError } from './errors.js';

export type Command = { kind: 'run' } | { kind: 'exec'; command: string[] } | { kind: 'help' } | { kind: 'version' };

export function parseArgs(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === 'run') {
    if (rest.length > 0) throw new ConfigError(`run takes no arguments (got ${JSON.stringify(rest[0])}); see --help`);
    return { kind: 'run' };
  }
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help' };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (first === 'exec') {
    const command = rest[0] === '--' ? rest.slice(1) : rest;
    if (command.length === 0) throw new ConfigError('exec needs a command: secret-init exec -- CMD [ARGS…]');
    return { kind: 'exec', command };
  }
  throw new ConfigError(`unknown command ${JSON.stringify(first)}; see secret-init --help`);
}

export const HELP = `secret-init: log in to Vault, render config templates and an env file with secrets.

Usage:
  secret-init [run]              log in (waiting for the SecretID on SECRET_INIT_PORT unless
                                 one is configured), render SECRET_INIT_CONFIG_DIR into
                                 SECRET_INIT_OUTPUT_DIR, write SECRET_INIT_ENV_FILE for the
                                 SECRET_<NAME>=<path>[#field] variables, and leave the token and
                                 leases in SECRET_INIT_LEASE_DIR for the refresh sidecar
  secret-init exec [--] CMD...   resolve the SECRET_<NAME> variables into CMD's environment and
                                 run it, forwarding signals and exiting with its status
  secret-init --help | --version

Configuration is by environment variables only; see the README.
Exit codes: 0 ok, 1 failure, 2 bad configuration, 3 wrapping token already used (alarm),
4 no SecretID arrived in time. exec exits with CMD's code (128+N when killed by signal N).
`;
