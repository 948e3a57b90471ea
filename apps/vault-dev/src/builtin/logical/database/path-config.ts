/**
 * `config/:name` (create/update with an existence check, read, delete),
 * `config/` (LIST), `reset/:name` and `rotate-root/:name`, after Vault's
 * builtin/logical/database/path_config_connection.go and path_rotate_credentials.go.
 */
import { errorResponse, VaultError } from '../../../sdk/errors.js';
import { FieldError } from '../../../sdk/fields.js';
import { genericNameRegex, type FieldData, type FieldSchemas, type PathSpec } from '../../../sdk/framework.js';
import type { Request, Response } from '../../../sdk/logical.js';
import { generatePassword } from './credsutil.js';
import { closeConnection, configOrThrow, connectionFor, type DatabaseContext } from './context.js';
import { checkSettings, connectionSettings, PLUGIN_NAME, PluginError, PostgresConnection } from './postgres.js';
import type { ConnectionConfig } from './store.js';

const CONFIG_FIELDS: FieldSchemas = {
  name: { type: 'string', description: 'Name of this database connection' },
  plugin_name: { type: 'string', description: 'The name of a builtin or previously registered plugin known to vault.' },
  plugin_version: { type: 'string', description: 'The version of the plugin to use.' },
  verify_connection: { type: 'bool', default: true, description: 'Verify the connection during initialization.' },
  allowed_roles: { type: 'commaStringSlice', description: 'Roles allowed to use this connection; "*" allows all.' },
  root_rotation_statements: { type: 'stringSlice', description: 'Statements run to rotate the root password.' },
  password_policy: { type: 'string', description: 'Password policy to use when generating passwords.' },
};

/** Keys the backend keeps for itself; everything else goes to the plugin as connection_details. */
const BACKEND_KEYS = Object.keys(CONFIG_FIELDS);
/** connection_details keys a read never shows. */
const SECRET_DETAILS = ['password', 'private_key', 'service_account_json'];

const PASSWORD_IN_URL_WARNING =
  'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.';

export function configPaths(ctx: DatabaseContext): PathSpec[] {
  return [
    {
      pattern: 'config/?$',
      operations: { list: () => listResponse(ctx.store.configNames()) },
    },
    {
      pattern: `config/${genericNameRegex('name')}$`,
      fields: CONFIG_FIELDS,
      // The plugin's own options (connection_url, username, ...) are not in the schema.
      takesArbitraryInput: true,
      existenceCheck: (_req, data) => ctx.store.config(data.get<string>('name')) !== undefined,
      operations: {
        create: (req, data) => writeConfig(ctx, req, data),
        update: (req, data) => writeConfig(ctx, req, data),
        read: (_req, data) => readConfig(ctx, data.get<string>('name')),
        delete: async (_req, data) => {
          const name = data.get<string>('name');
          await closeConnection(ctx, name);
          ctx.store.deleteConfig(name);
          return null;
        },
      },
    },
    {
      pattern: `reset/${genericNameRegex('name')}$`,
      fields: { name: { type: 'string', description: 'Name of this database connection' } },
      operations: {
        update: async (_req, data) => {
          const name = data.get<string>('name');
          configOrThrow(ctx, name);
          await closeConnection(ctx, name);
          connectionFor(ctx, name);
          return null;
        },
      },
    },
    {
      pattern: `rotate-root/${genericNameRegex('name')}$`,
      fields: { name: { type: 'string', description: 'Name of this database connection' } },
      operations: { update: (_req, data) => rotateRoot(ctx, data.get<string>('name')) },
    },
  ];
}

export function listResponse(keys: string[]): Response | null {
  return keys.length === 0 ? null : { data: { keys } };
}

async function writeConfig(ctx: DatabaseContext, req: Request, data: FieldData): Promise<Response | null> {
  try {
    data.validate();
  } catch (err) {
    if (err instanceof FieldError) return errorResponse(`Field validation failed: ${err.message}`);
    throw err;
  }
  const name = data.get<string>('name');
  if (name === '') return errorResponse('empty name attribute given');
  const creating = req.operation === 'create';
  const existing = ctx.store.config(name);
  const config: ConnectionConfig =
    creating || !existing
      ? {
          pluginName: '',
          pluginVersion: '',
          verifyConnection: true,
          allowedRoles: [],
          rootRotationStatements: [],
          passwordPolicy: '',
          connectionDetails: {},
        }
      : structuredClone(existing);
  const set = <K extends keyof ConnectionConfig>(key: K, field: string) => {
    if (creating || data.has(field)) config[key] = data.get<ConnectionConfig[K]>(field);
  };
  set('pluginName', 'plugin_name');
  set('pluginVersion', 'plugin_version');
  set('allowedRoles', 'allowed_roles');
  set('rootRotationStatements', 'root_rotation_statements');
  set('passwordPolicy', 'password_policy');
  config.verifyConnection = data.get<boolean>('verify_connection');
  if (config.pluginName === '') return errorResponse('empty plugin name');
  if (config.pluginName !== PLUGIN_NAME) {
    return errorResponse(`error creating database object: plugin not found in the catalog: ${config.pluginName}`);
  }
  if (config.passwordPolicy !== '') {
    // vault-dev has no sys/policies/password: only the default generator.
    return errorResponse(
      `error creating database object: password policy ${JSON.stringify(config.passwordPolicy)} not found`,
    );
  }

  const pluginData: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(req.data ?? {})) if (!BACKEND_KEYS.includes(key)) pluginData[key] = value;
  config.connectionDetails = creating ? pluginData : { ...config.connectionDetails, ...pluginData };

  const settings = connectionSettings(config.connectionDetails);
  let conn: PostgresConnection;
  try {
    checkSettings(settings);
    conn = new PostgresConnection(settings);
    if (config.verifyConnection)
      await conn.verify().catch(async (err: unknown) => {
        await conn.close();
        throw err;
      });
  } catch (err) {
    if (err instanceof PluginError) return errorResponse(`error creating database object: ${err.message}`);
    throw err;
  }
  await closeConnection(ctx, name);
  ctx.connections.set(name, conn);
  ctx.store.putConfig(name, config);

  if (urlHasPassword(settings.connectionUrl)) return { warnings: [PASSWORD_IN_URL_WARNING] };
  return null;
}

function readConfig(ctx: DatabaseContext, name: string): Response | null {
  const config = ctx.store.config(name);
  if (!config) return null;
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config.connectionDetails)) {
    if (!SECRET_DETAILS.includes(key)) details[key] = value;
  }
  if (typeof details['connection_url'] === 'string') details['connection_url'] = redactUrl(details['connection_url']);
  return {
    data: {
      allowed_roles: config.allowedRoles,
      connection_details: details,
      password_policy: config.passwordPolicy,
      plugin_name: config.pluginName,
      plugin_version: config.pluginVersion,
      root_credentials_rotate_statements: config.rootRotationStatements,
      skip_static_role_import_rotation: false,
      verify_connection: config.verifyConnection,
    },
  };
}

/**
 * Go's url.Parse + Redacted: a URL whose user info carries a password shows
 * `xxxxx` instead; a templated URL does not parse in Go (`{` in the user
 * info), so it comes back unchanged.
 */
function redactUrl(raw: string): string {
  const parsed = parseGoUrl(raw);
  if (!parsed || parsed.password === '') return raw;
  parsed.password = 'xxxxx';
  return parsed.toString();
}

function urlHasPassword(raw: string): boolean {
  const parsed = parseGoUrl(raw);
  return parsed !== undefined && parsed.password !== '';
}

function parseGoUrl(raw: string): URL | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(raw)?.[1] ?? '';
  if (/[{}]/.test(authority)) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** rotate-root: a new password for the configured user, set by the rotation statements, then stored. */
async function rotateRoot(ctx: DatabaseContext, name: string): Promise<Response | null> {
  const config = configOrThrow(ctx, name);
  const username = config.connectionDetails['username'];
  if (typeof username !== 'string' || username === '') {
    throw new VaultError('unable to rotate root credentials: no username in configuration');
  }
  const password = generatePassword();
  try {
    await connectionFor(ctx, name).changePassword(username, config.rootRotationStatements, password);
  } catch (err) {
    if (err instanceof PluginError) throw new VaultError(`failed to update user: ${err.message}`);
    throw err;
  }
  ctx.store.putConfig(name, { ...config, connectionDetails: { ...config.connectionDetails, password } });
  await closeConnection(ctx, name);
  return null;
}
