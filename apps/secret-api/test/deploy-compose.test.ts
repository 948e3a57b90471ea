/**
 * docker-compose.yml, checked without a Docker engine (CI has none, and no compose plugin).
 *
 * First what `docker compose config` would check: the file, with its ${...} variables filled in the
 * way compose fills them, is valid against the Compose Specification's JSON schema (the copy dclint
 * ships). Then what no schema can know: the environment the secret-api service gets is one the API's
 * own parseConfig accepts, and uses nothing parseConfig ignores; every password, token and key is a
 * required variable (or a file on a volume), never a value in the file; services start in the right
 * order, are health-checked and publish the API's port; and the policy Vault gets is the one in
 * deploy/vault/secret-api.hcl.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Ajv, type AnySchemaObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type Config } from '../src/config/env.js';
import { FILE_VARIABLES } from '../src/config/secret-files.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const ENV_EXAMPLE = join(ROOT, 'deploy/compose/.env.example');
const VAULT_INIT = join(ROOT, 'deploy/compose/vault-init.sh');
const POLICY_FILE = join(ROOT, 'deploy/vault/secret-api.hcl');

// ---------------------------------------------------------------------------------------------------
// Compose's variable interpolation (compose-spec "Interpolation"), enough for this file: $$, $NAME,
// ${NAME}, and ${NAME} with :- - :? ? :+ + modifiers. Nested expressions are refused rather than
// half-understood.

class InterpolationError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

interface Reference {
  name: string;
  modifier: string | undefined;
}

const EXPRESSION = /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$/s;

function interpolate(text: string, vars: Readonly<Record<string, string>>, seen?: Reference[]): string {
  const replaced = text.replace(EXPRESSION, (_match, dollar?: string, braced?: string, bare?: string) => {
    if (dollar !== undefined) return '$';
    if (bare !== undefined) {
      seen?.push({ name: bare, modifier: undefined });
      return vars[bare] ?? '';
    }
    const parts = BRACED.exec(braced ?? '');
    if (!parts || (parts[3] ?? '').includes('$')) throw new Error(`unsupported expression \${${braced}} in ${text}`);
    const [, name = '', modifier, argument = ''] = parts;
    seen?.push({ name, modifier });
    const value = vars[name];
    const unset = value === undefined;
    const empty = unset || value === '';
    switch (modifier) {
      case undefined:
        return value ?? '';
      case ':-':
        return empty ? argument : value;
      case '-':
        return unset ? argument : value;
      case ':?':
      case '?':
        if (modifier === ':?' ? empty : unset) throw new InterpolationError(name, `${name}: ${argument}`);
        return value ?? '';
      case ':+':
        return empty ? '' : argument;
      default:
        return unset ? '' : argument;
    }
  });
  return replaced;
}

/** Interpolates every string in a parsed YAML value (compose interpolates values, not keys). */
function interpolateDeep(value: unknown, vars: Readonly<Record<string, string>>, seen?: Reference[]): unknown {
  if (typeof value === 'string') return interpolate(value, vars, seen);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, vars, seen));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, vars, seen)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// The files.

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  entrypoint?: string | string[];
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string; read_only?: boolean })[];
  ports?: (string | { target?: number | string; published?: number | string; host_ip?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = readFileSync(COMPOSE_FILE, 'utf8');
const rawCompose = parseYaml(composeText) as ComposeFile;

/** .env.example: NAME=value lines, and "# example: NAME=value" lines documenting required ones. */
function readEnvExample(): { values: Map<string, string>; examples: Map<string, string> } {
  const values = new Map<string, string>();
  const examples = new Map<string, string>();
  const unquote = (v: string) => (/^'.*'$|^".*"$/s.test(v) ? v.slice(1, -1) : v);
  for (const line of readFileSync(ENV_EXAMPLE, 'utf8').split('\n')) {
    const example = /^#\s*example:\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (example) examples.set(example[1] as string, unquote((example[2] as string).trim()));
    const setting = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (setting) values.set(setting[1] as string, unquote((setting[2] as string).trim()));
  }
  return { values, examples };
}
const envExample = readEnvExample();

/** Secrets have no example on purpose; the test makes fresh ones, as a user would with openssl. */
const GENERATED: Record<string, () => string> = {
  POSTGRES_PASSWORD: () => randomBytes(24).toString('hex'),
  HISTORY_HMAC_KEY: () => randomBytes(32).toString('base64'),
};

/** What a user's .env holds after following .env.example: its values, examples and fresh secrets. */
function filledEnvFile(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of envExample.values) {
    const fill = value !== '' ? value : (envExample.examples.get(name) ?? GENERATED[name]?.());
    if (fill === undefined) throw new Error(`.env.example: ${name} is empty and has no "# example:" line`);
    vars[name] = fill;
  }
  return vars;
}

const references: Reference[] = [];
const USER_ENV = filledEnvFile();
const compose = interpolateDeep(rawCompose, USER_ENV, references) as ComposeFile;

function service(name: string, file: ComposeFile = compose): Service {
  const found = file.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function environmentOf(svc: Service): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}
function mountsOf(svc: Service): Mount[] {
  return (svc.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') {
      return {
        source: volume.source ?? '',
        target: volume.target ?? '',
        readOnly: volume.read_only === true,
        bind: volume.type === 'bind',
      };
    }
    const [source = '', target = '', mode = ''] = volume.split(':');
    const bind = source.startsWith('.') || source.startsWith('/');
    return { source, target, readOnly: mode.split(',').includes('ro'), bind };
  });
}

function dependencies(svc: Service): Record<string, string> {
  const deps = svc.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.condition ?? 'service_started']));
}

function publishedPorts(svc: Service): { hostIp: string; published: string; target: number }[] {
  return (svc.ports ?? []).map((port) => {
    if (typeof port !== 'string') {
      return { hostIp: port.host_ip ?? '', published: String(port.published ?? ''), target: Number(port.target) };
    }
    const parts = port.split(':');
    const target = Number((parts.pop() ?? '').split('/')[0]);
    const published = parts.pop() ?? '';
    return { hostIp: parts.join(':'), published, target };
  });
}

const asArray = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

// ---------------------------------------------------------------------------------------------------
// The Compose Specification schema.

function composeValidator() {
  // dclint ships the schema but does not export its path; it sits next to its package.json.
  const require = createRequire(import.meta.url);
  const schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as AnySchemaObject;
  // The schema uses union types ("type": ["string", "number"]) throughout: allowed, not a mistake.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  // It names its meta-schema https://json-schema.org/draft-07/schema; Ajv knows draft-07 under
  // its http:// id only. Same document, so register it under the other name too.
  const draft07 = ajv.getSchema('http://json-schema.org/draft-07/schema')?.schema;
  if (!draft07 || typeof draft07 !== 'object') throw new Error('Ajv has no draft-07 meta-schema');
  if (schema['$schema'] !== 'http://json-schema.org/draft-07/schema#') {
    ajv.addMetaSchema({ ...draft07, $id: schema['$schema'] as string });
  }
  return { validate: ajv.compile(schema), title: schema['title'] as string };
}

// ---------------------------------------------------------------------------------------------------
// The API's view of its environment.

type Outcome = { config: Config } | { invalid: string[] };
function outcome(env: Record<string, string | undefined>): Outcome {
  try {
    return { config: parseConfig(env) };
  } catch (err) {
    if (err instanceof ConfigError) return { invalid: err.problems.map((p) => p.variable) };
    throw err;
  }
}

/**
 * parseConfig ignores variables it does not know, so "it parses" alone would let a misspelt name
 * through. A variable is one parseConfig reads when removing it, or changing its value, changes
 * the result.
 */
function isReadByParseConfig(env: Record<string, string>, name: string): boolean {
  const base = outcome(env);
  const { [name]: value = '', ...without } = env;
  const changed = /^[0-9]+$/.test(value) ? String(Number(value) + 1) : `${value}x`;
  return !isDeepStrictEqual(base, outcome(without)) || !isDeepStrictEqual(base, outcome({ ...env, [name]: changed }));
}

/** The environment the API process sees: the service's, with NAME_FILE replaced by NAME as the API does. */
function apiProcessEnv(): Record<string, string> {
  const env = environmentOf(service('secret-api'));
  const handled: readonly string[] = FILE_VARIABLES;
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith('_FILE')) continue;
    const name = key.slice(0, -'_FILE'.length);
    expect(handled, `${key}: the API does not read it from a file`).toContain(name);
    delete env[key];
    env[name] = `placeholder-from-${posix.basename(path)}-${randomBytes(8).toString('hex')}`;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------------

describe('docker-compose.yml against the Compose Specification', () => {
  const { validate, title } = composeValidator();

  it('is valid once its variables are filled in as from .env.example', () => {
    expect(title).toBe('Compose Specification');
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check catches what it should (an unknown key, a misspelt depends_on condition)', () => {
    const withUnknownKey = structuredClone(compose);
    (withUnknownKey.services as Record<string, unknown>)['postgres'] = { ...service('postgres'), helthcheck: {} };
    expect(validate(withUnknownKey)).toBe(false);

    const withBadCondition = structuredClone(compose);
    withBadCondition.services['secret-api'] = {
      ...service('secret-api'),
      depends_on: { vault: { condition: 'service_ready' } },
    };
    expect(validate(withBadCondition)).toBe(false);
  });
});

describe('docker-compose.yml: what a schema cannot check', () => {
  it('every variable it uses is in .env.example, and .env.example has nothing it does not use', () => {
    const used = new Set(references.map((r) => r.name));
    expect([...used].sort()).toEqual([...envExample.values.keys()].sort());
    for (const name of envExample.examples.keys()) {
      expect(envExample.values.get(name), `${name}: an example for a variable .env.example does not set`).toBe('');
    }
  });

  it('the secret-api environment is one parseConfig accepts, in production mode, with AppRole', () => {
    const result = outcome(apiProcessEnv());
    expect(result).not.toHaveProperty('invalid');
    const config = (result as { config: Config }).config;
    expect(config.host).toBe('0.0.0.0');
    expect('url' in config.database, 'DATABASE_URL must be set: no embedded database in a container').toBe(true);
    expect(config.vault.auth).toEqual({ roleId: expect.any(String), secretId: expect.any(String), mount: 'approle' });
    expect(new URL(config.vault.address).hostname).toBe('vault');
    expect(new URL((config.database as { url: string }).url).hostname).toBe('postgres');
    expect(config.historyHmacKey?.length).toBeGreaterThanOrEqual(32);
  });

  it('sets no variable parseConfig ignores', () => {
    const env = apiProcessEnv();
    // The probe itself: it tells a read variable from an ignored one.
    expect(isReadByParseConfig({ ...env, NOT_A_SETTING: 'x' }, 'NOT_A_SETTING')).toBe(false);
    expect(isReadByParseConfig(env, 'HOST')).toBe(true);
    const ignored = Object.keys(env).filter((name) => !isReadByParseConfig(env, name));
    expect(ignored).toEqual([]);
  });

  it('hard-codes no secret: passwords, tokens and keys are required variables or files on a volume', () => {
    const secretName = /PASSWORD|SECRET|TOKEN|HMAC|_KEY$|ROLE_ID/;
    const requiredReference = /^\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]+\}$/;
    for (const [name, svc] of Object.entries(rawCompose.services)) {
      const env = environmentOf(svc);
      const volumes = mountsOf(service(name));
      for (const [key, value] of Object.entries(env)) {
        if (!secretName.test(key)) continue;
        if (key.endsWith('_FILE')) {
          const from = volumes.find((m) => interpolate(value, USER_ENV).startsWith(`${m.target}/`));
          expect(from, `${name}.${key}: must point into a mounted volume`).toBeDefined();
          expect(from?.bind, `${name}.${key}: must come from a named volume, not the repository`).toBe(false);
          expect(from?.readOnly, `${name}.${key}: mount it read-only`).toBe(true);
        } else {
          expect(value, `${name}.${key}`).toMatch(requiredReference);
        }
      }
      // A password inside a URL counts too.
      for (const [key, value] of Object.entries(env)) {
        const userinfo = /^[a-z]+:\/\/[^/@]*:([^/@]*)@/.exec(value);
        if (userinfo) expect(userinfo[1], `${name}.${key}: password in URL`).toMatch(requiredReference);
      }
      expect(
        Object.keys(env).filter((k) => k.startsWith('VAULT_DEV_')),
        name,
      ).toEqual([]);
    }
    expect(asArray(service('vault').command).join(' ')).not.toMatch(/-dev\b/);
  });

  it('refuses to start without each required variable (${NAME:?...})', () => {
    const required = [...new Set(references.filter((r) => r.modifier === ':?').map((r) => r.name))];
    expect(required).toEqual(
      expect.arrayContaining(['POSTGRES_PASSWORD', 'HISTORY_HMAC_KEY', 'AUTH_ISSUERS', 'ADMIN_GROUPS']),
    );
    for (const name of required) {
      for (const missing of [
        { ...USER_ENV, [name]: '' },
        Object.fromEntries(Object.entries(USER_ENV).filter(([k]) => k !== name)),
      ]) {
        let error: unknown;
        try {
          interpolateDeep(rawCompose, missing);
        } catch (err) {
          error = err;
        }
        expect(error, name).toBeInstanceOf(InterpolationError);
        expect((error as InterpolationError).variable).toBe(name);
      }
    }
  });

  it('starts the API only after Vault is unsealed and configured and PostgreSQL is ready', () => {
    expect(dependencies(service('secret-api'))).toEqual({
      vault: 'service_healthy',
      'vault-init': 'service_completed_successfully',
      postgres: 'service_healthy',
    });
    // vault-init unseals Vault, so waiting for a healthy (= unsealed) Vault would wait forever.
    expect(dependencies(service('vault-init'))).toEqual({ vault: 'service_started' });
    expect(service('vault-init').restart).toBe('no');
  });

  it('health-checks every long-running service; the API on /healthz at its own port', () => {
    const config = (outcome(apiProcessEnv()) as { config: Config }).config;
    for (const name of ['vault', 'postgres', 'secret-api']) {
      const check = service(name).healthcheck;
      expect(check?.disable, name).not.toBe(true);
      expect(asArray(check?.test).length, `${name}: healthcheck.test`).toBeGreaterThan(0);
    }
    expect(asArray(service('secret-api').healthcheck?.test).join(' ')).toContain(
      `http://127.0.0.1:${config.port}/healthz`,
    );
  });

  it('publishes the API and Vault on loopback only, and PostgreSQL not at all', () => {
    const config = (outcome(apiProcessEnv()) as { config: Config }).config;
    const api = publishedPorts(service('secret-api'));
    expect(api.map((p) => p.target)).toEqual([config.port]);
    expect(publishedPorts(service('vault')).map((p) => p.target)).toEqual([8200]);
    for (const port of [...api, ...publishedPorts(service('vault'))]) expect(port.hostIp).toBe('127.0.0.1');
    expect(service('postgres').ports ?? []).toEqual([]);
  });

  it('installs the policy from deploy/vault/secret-api.hcl, with the script that uses it', () => {
    const mounts = mountsOf(service('vault-init'));
    const policy = mounts.find((m) => m.bind && resolve(ROOT, m.source) === POLICY_FILE);
    expect(policy, 'deploy/vault/secret-api.hcl is mounted into vault-init').toBeDefined();
    expect(policy?.readOnly).toBe(true);
    const script = mounts.find((m) => m.bind && resolve(ROOT, m.source) === VAULT_INIT);
    expect(asArray(service('vault-init').entrypoint)).toContain(script?.target);
    const initText = readFileSync(VAULT_INIT, 'utf8');
    expect(initText).toContain(`POLICY_FILE=${policy?.target}`);
    expect(initText).toMatch(/vault policy write "\$ROLE" "\$POLICY_FILE"/);
  });

  it('shares the API credentials through one volume: written by vault-init, read-only for the API', () => {
    const apiEnv = environmentOf(service('secret-api'));
    const apiMount = mountsOf(service('secret-api')).find((m) =>
      (apiEnv['VAULT_SECRET_ID_FILE'] ?? '').startsWith(`${m.target}/`),
    );
    const initMount = mountsOf(service('vault-init')).find((m) => m.source === apiMount?.source);
    expect(initMount, 'vault-init mounts the volume the API reads its SecretID from').toBeDefined();
    expect(initMount?.readOnly).toBe(false);
    expect(Object.keys(compose.volumes ?? {})).toContain(apiMount?.source);
    expect(readFileSync(VAULT_INIT, 'utf8')).toContain(`OUT_DIR=${initMount?.target}`);
    // The keys volume (unseal key, root token) is vault-init's alone.
    const keys = mountsOf(service('vault-init')).find((m) => m.target === '/vault-init/keys');
    for (const [name, svc] of Object.entries(compose.services)) {
      if (name !== 'vault-init')
        expect(
          mountsOf(svc).map((m) => m.source),
          name,
        ).not.toContain(keys?.source);
    }
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const mount of mountsOf(svc).filter((m) => m.bind)) {
        expect(existsSync(resolve(ROOT, mount.source)), `${name}: ${mount.source}`).toBe(true);
      }
    }
  });

  it('builds the API from the root Dockerfile: non-root, health-checked, running bin/secret-api.js', () => {
    const api = service('secret-api');
    const build = typeof api.build === 'string' ? { context: api.build } : (api.build ?? {});
    expect(resolve(ROOT, build.context ?? '')).toBe(ROOT);
    const dockerfile = readFileSync(join(ROOT, build.dockerfile ?? 'Dockerfile'), 'utf8');
    const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = /^USER\s+(\S+)/m.exec(lastStage)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    expect(lastStage).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(lastStage).toContain('CMD ["node", "apps/secret-api/bin/secret-api.js"]');
    // The image's own CMD runs: no entrypoint or command override in between.
    expect(api.entrypoint).toBeUndefined();
    expect(api.command).toBeUndefined();
  });
});
