/**
 * `roles/:name` (create/update with an existence check, read, delete) and
 * `roles/` (LIST), after Vault's builtin/logical/database/path_roles.go.
 * Statements are not validated at write, and `db_name` need not exist yet.
 */
import { errorResponse } from '../../../sdk/errors.js';
import { genericNameRegex, type FieldData, type FieldSchemas, type PathSpec } from '../../../sdk/framework.js';
import { goQuote } from '../../../sdk/go-text.js';
import type { Request, Response } from '../../../sdk/logical.js';
import type { DatabaseContext } from './context.js';
import { listResponse } from './path-config.js';
import type { DatabaseRole } from './store.js';

const CREDENTIAL_TYPES = ['password', 'rsa_private_key', 'client_certificate'];

const ROLE_FIELDS: FieldSchemas = {
  name: { type: 'string', description: 'Name of the role.' },
  db_name: { type: 'string', description: 'Name of the database this role acts on.' },
  creation_statements: { type: 'stringSlice', description: 'Statements to create and configure a user.' },
  revocation_statements: { type: 'stringSlice', description: 'Statements to revoke a user.' },
  renew_statements: { type: 'stringSlice', description: 'Statements to renew a user.' },
  rollback_statements: { type: 'stringSlice', description: 'Statements to roll back a failed creation.' },
  default_ttl: { type: 'durationSecond', description: 'Default ttl for role.' },
  max_ttl: { type: 'durationSecond', description: 'Maximum time a credential is valid for.' },
  credential_type: { type: 'string', default: 'password', description: 'The type of credential to manage.' },
  credential_config: { type: 'map', description: 'The configuration for the given credential_type.' },
};

export function rolePaths(ctx: DatabaseContext): PathSpec[] {
  return [
    {
      pattern: 'roles/?$',
      operations: { list: () => listResponse(ctx.store.roleNames()) },
    },
    {
      pattern: `roles/${genericNameRegex('name')}$`,
      fields: ROLE_FIELDS,
      existenceCheck: (_req, data) => ctx.store.role(data.get<string>('name')) !== undefined,
      operations: {
        create: (req, data) => writeRole(ctx, req, data),
        update: (req, data) => writeRole(ctx, req, data),
        read: (_req, data) => readRole(ctx, data.get<string>('name')),
        delete: (_req, data) => {
          // Existing leases stay revocable: each carries what its revocation needs.
          ctx.store.deleteRole(data.get<string>('name'));
          return null;
        },
      },
    },
  ];
}

function writeRole(ctx: DatabaseContext, req: Request, data: FieldData): Response | null {
  const name = data.get<string>('name');
  if (name === '') return errorResponse('empty role name attribute given');
  const creating = req.operation === 'create';
  const existing = ctx.store.role(name);
  const role: DatabaseRole =
    creating || !existing
      ? {
          dbName: '',
          creationStatements: [],
          revocationStatements: [],
          rollbackStatements: [],
          renewStatements: [],
          defaultTTL: 0,
          maxTTL: 0,
          credentialType: 'password',
          credentialConfig: null,
        }
      : structuredClone(existing);
  const set = <K extends keyof DatabaseRole>(key: K, field: string) => {
    if (creating || data.has(field)) role[key] = data.get<DatabaseRole[K]>(field);
  };
  set('dbName', 'db_name');
  if (role.dbName === '') return errorResponse('database name is required');
  set('credentialType', 'credential_type');
  if (!CREDENTIAL_TYPES.includes(role.credentialType)) {
    return errorResponse(`invalid credential_type ${goQuote(role.credentialType)}`);
  }
  if (role.credentialType !== 'password') {
    return errorResponse(`credential_type ${goQuote(role.credentialType)} is not supported by vault-dev`);
  }
  if (data.has('credential_config')) role.credentialConfig = data.get<Record<string, unknown>>('credential_config');
  set('creationStatements', 'creation_statements');
  set('revocationStatements', 'revocation_statements');
  set('rollbackStatements', 'rollback_statements');
  set('renewStatements', 'renew_statements');
  set('defaultTTL', 'default_ttl');
  set('maxTTL', 'max_ttl');
  ctx.store.putRole(name, role);
  return null;
}

function readRole(ctx: DatabaseContext, name: string): Response | null {
  const role = ctx.store.role(name);
  if (!role) return null;
  return {
    data: {
      creation_statements: role.creationStatements,
      credential_type: role.credentialType,
      ...(role.credentialConfig ? { credential_config: role.credentialConfig } : {}),
      db_name: role.dbName,
      default_ttl: role.defaultTTL,
      max_ttl: role.maxTTL,
      renew_statements: role.renewStatements,
      revocation_statements: role.revocationStatements,
      rollback_statements: role.rollbackStatements,
    },
  };
}
