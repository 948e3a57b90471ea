/**
 * Where the CLI finds the Secret API and its token: `deployer login` saves both in
 * `$XDG_CONFIG_HOME/deployer/config.json` (default `~/.config/deployer/config.json`); SECRET_API_URL and
 * SECRET_API_TOKEN override the file one by one, which is how CI hands in an OIDC JWT.
 */
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { NotLoggedInError, UsageError } from './errors.js';

export interface SavedConfig {
  apiUrl: string;
  token: string;
}

export interface ResolvedConfig extends SavedConfig {
  /** Where each part came from, for `whoami` and error messages. */
  source: { apiUrl: 'env' | 'config'; token: 'env' | 'config' };
}

type Env = Record<string, string | undefined>;

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

export function configPath(env: Env = process.env): string {
  // The XDG base directory spec: a relative XDG_CONFIG_HOME is invalid and ignored (it would name another file in
  // every directory the CLI runs from).
  const xdg = env['XDG_CONFIG_HOME'];
  const base = present(xdg) && isAbsolute(xdg) ? xdg : join(homedir(), '.config');
  return join(base, 'deployer', 'config.json');
}

/** The saved file, or undefined when there is none. A corrupt file is an error: silently ignoring it hides a typo. */
export async function readSavedConfig(path = configPath()): Promise<Partial<SavedConfig> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`, 'config');
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    const { apiUrl, token } = parsed as Record<string, unknown>;
    if (typeof token === 'string') await warnIfOthersMayRead(path);
    return {
      ...(typeof apiUrl === 'string' && { apiUrl }),
      ...(typeof token === 'string' && { token }),
    };
  } catch (err) {
    throw new UsageError(
      `${path} is not valid JSON (${(err as Error).message}); run 'deployer login' again to rewrite it`,
      'config',
    );
  }
}

/**
 * Said, not refused (the token works the same): a config file others may read gives them the token. `deployer
 * login` writes it 0600; a copy, an unpack or a umask-less editor may not have.
 */
async function warnIfOthersMayRead(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const mode = (await stat(path).catch(() => undefined))?.mode;
  if (mode === undefined || (mode & 0o077) === 0) return;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  process.stderr.write(
    `warning: ${path} holds your token and other users may read it (mode ${octal}); run chmod 600 on it, or 'deployer login' again\n`,
  );
}

/** Writes the file with mode 0600 in a 0700 directory, atomically, so a reader never sees half a token. */
export async function saveConfig(config: SavedConfig, path = configPath()): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and leaves an existing directory alone; the token needs both tight.
  await chmod(dir, 0o700);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify({ apiUrl: config.apiUrl, token: config.token }, null, 2)}\n`, {
    mode: 0o600,
  });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

/**
 * Normalises and checks an API URL (http or https, no trailing slash). The value is never repeated in an error: a
 * token pasted in its place, or a password in it, would land in the terminal's scrollback and the CI log.
 */
export function normaliseApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError("the Secret API URL is not a URL; give the API's base URL, e.g. https://secrets.example.com");
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the Secret API URL must be http:// or https://, not ${url.protocol}//`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(
      'the Secret API URL must not carry a user or password (user:password@host); the token is the credential',
    );
  }
  // Every request's path is appended to this base: a query or fragment would swallow it (each call would go to `/`),
  // and may carry a credential (`?access_token=…`) that error messages would then repeat.
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(value)) {
    throw new UsageError(
      "the Secret API URL must not have a query (?…) or fragment (#…); give the API's base URL, e.g. https://secrets.example.com",
    );
  }
  // Every route starts with /v1: a base that ends with it would ask for /v1/v1/… and read as "no such route".
  if (/\/v1\/*$/.test(url.pathname)) {
    throw new UsageError(
      "the Secret API URL must not end with /v1 (every route adds it); give the API's base URL, e.g. https://secrets.example.com",
    );
  }
  return url.toString().replace(/\/+$/, '');
}

/** The API URL alone, for the unauthenticated operational routes (`deployer health`). */
export async function resolveApiUrl(env: Env = process.env): Promise<string> {
  const path = configPath(env);
  const envUrl = env['SECRET_API_URL'];
  const apiUrl = present(envUrl) ? envUrl : (await readSavedConfig(path))?.apiUrl;
  if (!present(apiUrl)) {
    throw new NotLoggedInError(
      `no Secret API URL configured: set SECRET_API_URL, or run 'deployer login' (config file: ${path})`,
    );
  }
  return normaliseApiUrl(apiUrl);
}

/** Whitespace or a control character inside a token: an HTTP header cannot carry it, and no issuer makes one. */
// Matching control characters is the point of this pattern.
// eslint-disable-next-line no-control-regex
const NOT_IN_A_TOKEN = /[\x00-\x20\x7f]/;

/**
 * Refuses a token no request could carry (a pasted second line, a stray space), naming where it came from; before,
 * it failed as the header was written and read as "cannot reach the Secret API" (exit 5, which CI retries).
 */
export function checkToken(token: string, from: string): string {
  const bad = NOT_IN_A_TOKEN.exec(token);
  if (bad) {
    const what =
      bad[0] === '\n' || bad[0] === '\r' ? 'a line break' : bad[0] === ' ' ? 'a space' : 'a control character';
    throw new UsageError(`the token from ${from} contains ${what}: a token is a single line with no spaces`);
  }
  return token;
}

/** Environment first, then the saved file; both parts are required. */
export async function resolveConfig(env: Env = process.env): Promise<ResolvedConfig> {
  const path = configPath(env);
  const saved = await readSavedConfig(path);
  const envUrl = env['SECRET_API_URL'];
  const envToken = env['SECRET_API_TOKEN'];
  const apiUrl = present(envUrl) ? envUrl : saved?.apiUrl;
  const token = present(envToken) ? envToken.trim() : saved?.token;
  if (!present(apiUrl) || !present(token)) {
    const missing = [!present(apiUrl) && 'no Secret API URL', !present(token) && 'no token']
      .filter(Boolean)
      .join(' and ');
    throw new NotLoggedInError(
      `${missing} configured: run 'deployer login', or set SECRET_API_URL and SECRET_API_TOKEN ` +
        `(config file: ${path})`,
    );
  }
  return {
    apiUrl: normaliseApiUrl(apiUrl),
    token: checkToken(token, present(envToken) ? 'SECRET_API_TOKEN' : path),
    source: { apiUrl: present(envUrl) ? 'env' : 'config', token: present(envToken) ? 'env' : 'config' },
  };
}
