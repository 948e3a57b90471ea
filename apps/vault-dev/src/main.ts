/**
 * `vault-dev server -dev [-dev-root-token-id=T] [-dev-listen-address=H:P]`:
 * the same flags, environment variables and banner as `vault server -dev`,
 * plus one vault-dev extension: `-dev-data-dir=PATH` keeps the state on disk.
 */
import { randomBytes } from 'node:crypto';
import { DataDirError } from './persist/data-dir.js';
import { DataDirLockedError } from './persist/lock.js';
import { startVaultDev } from './server.js';
import { VAULT_VERSION } from './vault/version.js';

const USAGE = `Usage: vault-dev server -dev [options]

  Starts an in-memory, unsealed, Vault-API-compatible server (like
  "vault server -dev") with KV v2 mounted at secret/.

Options:
  -dev                         Required: run in dev mode (the only mode).
  -dev-root-token-id=<id>      Root token id (env VAULT_DEV_ROOT_TOKEN_ID). Default: random.
  -dev-listen-address=<addr>   host:port to listen on (env VAULT_DEV_LISTEN_ADDRESS).
                               Default: 127.0.0.1:8200.
  -dev-no-store-token          Accepted for compatibility; vault-dev never writes ~/.vault-token.

vault-dev extension (not a Vault flag):
  -dev-data-dir=<path>         Keep the whole state (mounts, policies, tokens, leases, AppRoles,
                               KV data, audit devices...) in this directory and restore it on
                               the next start (env VAULT_DEV_DATA_DIR). Every acknowledged
                               write is on disk first; one server per directory (locked).
                               The files hold secrets unencrypted: keep the directory private.
                               Default: in memory only, like "vault server -dev".
`;

class UsageError extends Error {}

interface ServerFlags {
  dev: boolean;
  rootTokenId?: string;
  listenAddress: string;
  dataDir?: string;
}

/** Go's flag syntax: -name, --name, -name=value, -name value. */
function parseServerFlags(args: string[]): ServerFlags {
  const flags: ServerFlags = {
    dev: false,
    listenAddress: process.env['VAULT_DEV_LISTEN_ADDRESS'] || '127.0.0.1:8200',
  };
  if (process.env['VAULT_DEV_ROOT_TOKEN_ID']) flags.rootTokenId = process.env['VAULT_DEV_ROOT_TOKEN_ID'];
  if (process.env['VAULT_DEV_DATA_DIR']) flags.dataDir = process.env['VAULT_DEV_DATA_DIR'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const m = /^--?([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const name = m[1] as string;
    const takeValue = (): string => {
      if (m[2] !== undefined) return m[2];
      const next = args[++i];
      if (next === undefined) throw new UsageError(`flag needs an argument: -${name}`);
      return next;
    };
    switch (name) {
      case 'dev':
        flags.dev = m[2] === undefined ? true : m[2] !== 'false';
        break;
      case 'dev-root-token-id':
        flags.rootTokenId = takeValue();
        break;
      case 'dev-listen-address':
        flags.listenAddress = takeValue();
        break;
      case 'dev-data-dir': {
        const dir = takeValue();
        if (dir === '') throw new UsageError('-dev-data-dir needs a directory path');
        flags.dataDir = dir;
        break;
      }
      case 'dev-no-store-token':
        break;
      case 'log-level':
        takeValue();
        break;
      case 'h':
      case 'help':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        throw new UsageError(`flag provided but not defined: -${name}`);
    }
  }
  if (!flags.dev) throw new UsageError('vault-dev only runs in dev mode: pass -dev');
  return flags;
}

function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new UsageError(`invalid -dev-listen-address ${JSON.stringify(address)}: expected host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`invalid port in -dev-listen-address: ${port}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

async function serve(args: string[]): Promise<void> {
  const flags = parseServerFlags(args);
  const { host, port } = splitHostPort(flags.listenAddress);
  const vault = await startVaultDev({
    host,
    port,
    ...(flags.rootTokenId ? { rootToken: flags.rootTokenId } : {}),
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
  });
  const unsealKey = randomBytes(32).toString('base64');
  process.stdout.write(`==> Vault server configuration:

             Api Address: ${vault.address}
                     Cgo: disabled
         Cluster Address: https://${host}:${vault.port + 1}
              Listener 1: tcp (addr: "${host}:${vault.port}", cluster address: "${host}:${vault.port + 1}", tls: "disabled")
               Log Level: info
                 Storage: ${flags.dataDir ? `file (vault-dev data dir: ${flags.dataDir})` : 'inmem'}
                 Version: Vault v${VAULT_VERSION} (vault-dev)

==> Vault server started! Log data will stream in below:

WARNING! dev mode is enabled! In this mode, Vault runs entirely in-memory
and starts unsealed with a single unseal key. The root token is already
authenticated to the CLI, so you can immediately begin using Vault.

You may need to set the following environment variables:

    $ export VAULT_ADDR='${vault.address}'

The unseal key and root token are displayed below in case you want to
seal/unseal the Vault or re-authenticate.

Unseal Key: ${unsealKey}
Root Token: ${vault.rootToken}

Development mode should NOT be used in production installations!

`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`==> Vault shutdown triggered (${signal})\n`);
    vault.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'server') return serve(rest);
  if (command === 'version' || command === '-version' || command === '--version') {
    process.stdout.write(`Vault v${VAULT_VERSION} (vault-dev)\n`);
    return;
  }
  process.stderr.write(USAGE);
  process.exit(command === undefined || command === '-h' || command === '--help' ? 0 : 1);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`Error: ${err.message}\n\n${USAGE}`);
    process.exit(1);
  }
  if (err instanceof DataDirError || err instanceof DataDirLockedError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    process.stderr.write(`Error initializing listener: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
