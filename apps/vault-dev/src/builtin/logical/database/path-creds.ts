/**
 * `creds/:name` (read only), and the `creds` secret's revoke and renew, after
 * Vault's builtin/logical/database/path_creds_create.go and secret_creds.go.
 * The user is created in PostgreSQL with VALID UNTIL = now + TTL + 5 s; the
 * lease is registered with the expiration manager, which calls back here to
 * drop the user (revocation) or move VALID UNTIL (renewal).
 */
import { errorResponse, VaultError } from '../../../sdk/errors.js';
import { genericNameRegex, type PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Request, Response } from '../../../sdk/logical.js';
import type { LeaseHandler, SecretLease } from '../../../vault/expiration.js';
import { calculateTTL } from '../../../vault/ttl.js';
import { configOrThrow, connectionFor, listContainsGlob, type DatabaseContext } from './context.js';
import { generatePassword, generateUsername } from './credsutil.js';
import { PluginError } from './postgres.js';

export const SECRET_CREDS_TYPE = 'creds';

/** Vault adds this to VALID UNTIL so the database never expires a user before its lease does. */
const EXPIRATION_BUFFER_MS = 5_000;

export function credsPaths(ctx: DatabaseContext): PathSpec[] {
  return [
    {
      pattern: `creds/${genericNameRegex('name')}$`,
      fields: { name: { type: 'string', description: 'Name of the role.' } },
      operations: { read: (req, data) => issueCreds(ctx, req, data.get<string>('name')) },
    },
  ];
}

interface CredsInternal {
  username: string;
  role: string;
  db_name: string;
  revocation_statements: string[];
}

async function issueCreds(ctx: DatabaseContext, req: Request, roleName: string): Promise<Response> {
  const role = ctx.store.role(roleName);
  if (!role) return errorResponse(`unknown role: ${roleName}`);
  const config = configOrThrow(ctx, role.dbName);
  if (!listContainsGlob(config.allowedRoles, roleName))
    throw new VaultError(`${goQuote(roleName)} is not an allowed role`);
  if (role.credentialType !== 'password') {
    throw new VaultError(`unsupported credential_type: ${goQuote(role.credentialType)}`);
  }
  const now = ctx.now();
  const { ttl, warnings } = calculateTTL(ctx.system, {
    increment: 0,
    backendTTL: role.defaultTTL,
    period: 0,
    backendMaxTTL: role.maxTTL,
    explicitMaxTTL: 0,
    issueTime: now,
    now,
  });
  const username = generateUsername(req.tokenEntry?.displayName ?? '', roleName, now);
  const password = generatePassword();
  try {
    await connectionFor(ctx, role.dbName).createUser({
      statements: role.creationStatements,
      username,
      password,
      expirationMs: now + ttl * 1000 + EXPIRATION_BUFFER_MS,
    });
  } catch (err) {
    if (err instanceof PluginError) throw new VaultError(err.message);
    throw err;
  }
  const internal: CredsInternal = {
    username,
    role: roleName,
    db_name: role.dbName,
    revocation_statements: role.revocationStatements,
  };
  const lease = ctx.expiration.register({
    path: req.path,
    mountPoint: ctx.mountPoint,
    secretType: SECRET_CREDS_TYPE,
    internalData: { ...internal },
    token: req.tokenEntry,
    ttl,
    renewable: true,
  });
  return {
    data: { password, username },
    secret: { ttl, maxTTL: role.maxTTL, renewable: true },
    leaseId: lease.leaseId,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The creds secret's revoke and renew, called by the expiration manager. */
export function credsLeaseHandler(ctx: DatabaseContext): LeaseHandler {
  return {
    async revoke(lease: SecretLease) {
      const internal = lease.internalData as unknown as CredsInternal;
      // The role's current statements when it still exists, else those recorded at issue.
      const role = ctx.store.role(internal.role);
      const dbName = role?.dbName ?? internal.db_name;
      const statements = role?.revocationStatements ?? internal.revocation_statements;
      if (!ctx.store.config(dbName)) throw new Error(`failed to find database entry: ${goQuote(dbName)}`);
      await connectionFor(ctx, dbName).deleteUser(internal.username, statements);
    },
    async renew(lease: SecretLease, increment: number) {
      const internal = lease.internalData as unknown as CredsInternal;
      const role = ctx.store.role(internal.role);
      if (!role) throw new Error(`error during renew: could not find role with name ${goQuote(internal.role)}`);
      const now = ctx.now();
      const { ttl, warnings } = calculateTTL(ctx.system, {
        increment,
        backendTTL: role.defaultTTL,
        period: 0,
        backendMaxTTL: role.maxTTL,
        explicitMaxTTL: 0,
        issueTime: lease.issueTime,
        now,
      });
      if (ttl > 0) {
        await connectionFor(ctx, role.dbName).renewUser(
          internal.username,
          role.renewStatements,
          now + ttl * 1000 + EXPIRATION_BUFFER_MS,
        );
      }
      return { ttl, warnings };
    },
  };
}
