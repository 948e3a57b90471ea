/**
 * The program: serve the probes, look every item up, keep them alive until a signal (then
 * revoke, exit 0) or until one is lost (one error line, exit 2).
 */
import { CertificateWatch } from './certificates.js';
import type { Config } from './config.js';
import { EXIT, type CredentialLostError } from './errors.js';
import { startHealthServer } from './health.js';
import { leaseItem, tokenItem, type Item } from './items.js';
import type { Logger } from './log.js';
import { Refresher } from './refresher.js';
import { revokeAll } from './shutdown.js';
import { statusOf, type Phase } from './status.js';
import { VaultClient } from './vault.js';

export async function run(config: Config, log: Logger): Promise<number> {
  const items: Item[] = [tokenItem(config.tokenHint), ...config.leases.map(leaseItem)];
  const vault = await VaultClient.create(config.vaultAddr, config.token, config.caCert);
  let phase: Phase = 'starting';
  const health = await startHealthServer(config.listen.host, config.listen.port, () =>
    statusOf(phase, config.source, vault.address, items, Date.now()),
  );
  log.info('started', {
    source: config.source,
    from: config.origin,
    vaultAddr: vault.address,
    leases: config.leases.length,
    certificates: config.certificates.length,
    port: health.port,
    renewIntervalSeconds: config.renewIntervalMs / 1000,
    revokeOnExit: config.revokeOnExit,
  });

  let settle!: (how: { kind: 'signal'; signal: string } | { kind: 'lost'; err: CredentialLostError }) => void;
  const ended = new Promise<Parameters<typeof settle>[0]>((resolve) => (settle = resolve));
  const onSignal = (signal: NodeJS.Signals) => settle({ kind: 'signal', signal });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  const refresher = new Refresher({
    vault,
    items,
    log,
    renewIntervalMs: config.renewIntervalMs,
    clientTimeoutMs: config.clientTimeoutMs,
    onLost: (err) => settle({ kind: 'lost', err }),
  });
  const certificates = new CertificateWatch(config.certificates, (err) => settle({ kind: 'lost', err }));
  certificates.start();
  void refresher.start().then(() => {
    if (phase !== 'starting' || items.some((i) => i.state !== 'ok')) return;
    phase = 'running';
    log.info('ready: keeping the token and every lease alive', { items: items.length });
  });

  const how = await ended;
  refresher.stop();
  certificates.stop();
  // Later signals must not kill us mid-revocation: the shutdown timeout bounds it instead.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  try {
    if (how.kind === 'lost') {
      phase = 'lost';
      // Nothing is revoked: the app still uses the other credentials until its pod restarts.
      log.error(how.err.message, { kind: how.err.name });
      return EXIT.lost;
    }
    phase = 'stopping';
    if (config.revokeOnExit) {
      log.info(`${how.signal}: revoking every lease, then the token`, { timeoutMs: config.shutdownTimeoutMs });
      await revokeAll(vault, items, log, config.shutdownTimeoutMs);
    } else {
      log.info(`${how.signal}: REVOKE_ON_EXIT is off; the token and leases are left to expire`);
    }
    return EXIT.ok;
  } finally {
    vault.close();
    await health.close();
  }
}
