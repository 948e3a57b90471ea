/**
 * Obtains the run's Vault token from whichever material the environment provides, and raises
 * the interception alarm when a wrapping token turns out to be used already.
 */
import { createHash } from 'node:crypto';
import type { Config } from './config.js';
import type { SecretInitError } from './errors.js';
import {
  ConfigError,
  IntakeTimeoutError,
  InterceptedError,
  NotLiveWrappingTokenError,
  VaultUnreachableError,
} from './errors.js';
import { IntakeRefusal, waitForDelivery, type Delivery } from './intake/server.js';
import type { Logger } from './log.js';
import type { VaultClient } from './vault/client.js';
import {
  WrongWrappingPathError,
  appRoleLogin,
  kubernetesLogin,
  secretIdPath,
  tokenSession,
  checkWrappingToken,
  unwrapCheckedToken,
  unwrapSecretId,
  type Session,
} from './vault/login.js';

/**
 * `connections`: how many connections the work after the login will want at once; opened while the
 * pod waits for its SecretID (the intake port), so the reads do not wait for handshakes.
 */
export async function obtainSession(
  config: Config,
  client: VaultClient,
  log: Logger,
  connections = 1,
): Promise<Session> {
  const creds = config.credentials();
  switch (creds.kind) {
    case 'token':
      log.info('using the token from VAULT_TOKEN (local use: no AppRole login)');
      return tokenSession(client, creds.token);
    case 'kubernetes': {
      const session = await kubernetesLogin(client, creds.mount, creds.role, creds.jwt);
      log.info('logged in with Kubernetes auth', {
        mount: creds.mount,
        role: creds.role,
        tokenFile: creds.tokenFile,
        accessor: session.accessor ?? null,
        ttl: session.ttl,
        renewable: session.renewable,
      });
      return session;
    }
    case 'secret-id':
      return loggedIn(await appRoleLogin(client, config.approle.mount, creds.roleId, creds.secretId), log);
    case 'wrapped-secret-id': {
      const expected = expectedPath(config);
      try {
        const secretId = await unwrapSecretId(client, creds.wrappingToken, expected);
        return loggedIn(await appRoleLogin(client, config.approle.mount, creds.roleId, secretId), log);
      } catch (err) {
        if (err instanceof InterceptedError) alarm(log, config, { wrappingToken: creds.wrappingToken }, err);
        throw err;
      }
    }
    case 'intake': {
      const expected = expectedPath(config);
      const refused = { notLive: 0 };
      // Only one delivery is unwrapped: a second good one waits here, then is left intact. Every
      // failure from the unwrap on ends the wait, so the first token taken up is the last — but one:
      // an unwrap Vault never answered, which reopens the intake for a new SecretID.
      let taken = false;
      const oneAtATime = serialized();
      void checkVault(client, log).then(() => client.openConnections(connections - 1));
      return waitForDelivery({
        host: config.intake.host,
        port: config.intake.port,
        timeoutMs: config.intake.timeoutMs,
        onListening: (a) => log.info('waiting for the SecretID', { host: a.host, port: a.port, path: '/secret-id' }),
        accept: async (delivery) => {
          try {
            // Lookups run side by side, so a flood of made-up tokens does not keep the real one waiting.
            await checkWrappingToken(client, delivery.wrappingToken, expected);
          } catch (err) {
            // Once a token is taken up, one Vault no longer knows is most likely that one, sent twice.
            if (err instanceof NotLiveWrappingTokenError && taken) {
              throw new IntakeRefusal(503, 'a SecretID was already taken up; this one was not used', null);
            }
            if (err instanceof NotLiveWrappingTokenError) refused.notLive++;
            throw refusal(err, delivery, config, log);
          }
          return oneAtATime(async () => {
            if (taken) throw new IntakeRefusal(503, 'a SecretID was already taken up; this one was not used', null);
            taken = true;
            let secretId: string;
            try {
              secretId = await unwrapCheckedToken(client, delivery.wrappingToken);
            } catch (err) {
              if (err instanceof VaultUnreachableError) {
                taken = false;
                throw unansweredUnwrap(err, log);
              }
              throw refusal(err, delivery, config, log);
            }
            return loggedIn(await appRoleLogin(client, config.approle.mount, creds.roleId, secretId), log);
          });
        },
      }).catch((err: unknown) => {
        if (err instanceof IntakeTimeoutError && refused.notLive > 0) {
          throw new IntakeTimeoutError(
            `${err.message}; ${refused.notLive} ${refused.notLive === 1 ? 'delivery' : 'deliveries'} carried a wrapping ` +
              "token Vault did not know (see the warnings above, and the controller's SecretIdIntercepted events)",
          );
        }
        throw err;
      });
    }
  }
}

/** Runs the functions given to it one after another, in the order they came. */
function serialized(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * While the pod waits for its SecretID: is Vault there? An early warning in the log beats a
 * mystery at delivery time, and the kept-alive connection makes the real work start sooner.
 */
async function checkVault(client: VaultClient, log: Logger): Promise<void> {
  try {
    const r = await client.send({ method: 'GET', path: 'sys/health', token: null, idempotent: true });
    if (r.status !== 200) log.warn('Vault is not healthy yet', { status: r.status });
  } catch (err) {
    log.warn('Vault is not reachable yet; will try again when the SecretID arrives', { error: (err as Error).message });
  }
}

/**
 * The unwrap went unanswered: Vault may have spent the token (single use) without our hearing the SecretID, so offering
 * this token again could only look like an interception. 504 tells the deliverer to send a new SecretID (the
 * controller offers the same token again only after a 503), and the run goes on waiting for it.
 */
function unansweredUnwrap(err: VaultUnreachableError, log: Logger): IntakeRefusal {
  log.warn('Vault did not answer the unwrap of the delivered SecretID; waiting for a new one', { error: err.message });
  return new IntakeRefusal(
    504,
    'Vault did not answer the unwrap, which may have spent this wrapping token: deliver a new SecretID',
    null,
  );
}

function refusal(err: unknown, delivery: Delivery, config: Config, log: Logger): unknown {
  if (err instanceof NotLiveWrappingTokenError) {
    // Anyone who can reach the port can post a made-up token: that must not stop the pod. The
    // controller gets this 409 too for a token it did send, and raises the alarm it alone can raise.
    log.warn(
      'refused a wrapping token Vault does not know (already unwrapped, expired, or never issued); still waiting',
      {
        ...who(config, delivery),
      },
    );
    return new IntakeRefusal(
      409,
      'Vault does not know this wrapping token: it was already unwrapped, has expired, or never existed',
      null,
    );
  }
  if (err instanceof InterceptedError) {
    alarm(log, config, delivery, err);
    return new IntakeRefusal(409, 'this wrapping token was already used; the pod will not start with it', err);
  }
  if (err instanceof WrongWrappingPathError) {
    log.warn('refused a wrapping token created for another path (not unwrapped); still waiting', {
      creationPath: err.creationPath,
      expectedPath: err.expectedPath,
      ...who(config, delivery),
    });
    return new IntakeRefusal(400, err.message, null);
  }
  if (err instanceof VaultUnreachableError) {
    log.warn('Vault was unreachable while checking a delivered wrapping token; still waiting', { error: err.message });
    return new IntakeRefusal(503, 'Vault is unreachable from the pod; deliver again later', null);
  }
  return err;
}

function alarm(log: Logger, config: Config, delivery: Delivery, err: SecretInitError): void {
  log.error('ALARM: the wrapping token was already used; the SecretID may have been intercepted', {
    reason: err.message,
    role: config.approle.roleName,
    ...who(config, delivery),
  });
}

/** Names the pod and the token without the token: its accessor when the controller sent it, else a fingerprint. */
function who(config: Config, delivery: Delivery) {
  return {
    pod: config.pod.name ?? null,
    namespace: config.pod.namespace ?? null,
    wrappingTokenAccessor: delivery.accessor ?? null,
    wrappingTokenSha256: createHash('sha256').update(delivery.wrappingToken).digest('hex').slice(0, 16),
  };
}

function expectedPath(config: Config): string {
  const role = config.approle.roleName;
  if (!role) {
    throw new ConfigError(
      'VAULT_ROLE_NAME (or SECRET_INIT_APP and SECRET_INIT_CLUSTER) is required to check a wrapped SecretID',
    );
  }
  return secretIdPath(config.approle.mount, role);
}

function loggedIn(session: Session, log: Logger): Session {
  log.info('logged in with AppRole', {
    accessor: session.accessor ?? null,
    ttl: session.ttl,
    renewable: session.renewable,
  });
  return session;
}
