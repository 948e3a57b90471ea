/**
 * `secret-api dev-token`: a JWT from the embedded stack's dev issuer for any subject and groups, so a developer can
 * act as an app owner, a CI deployer (a subject and no groups claim) or a cluster controller against `npm start`.
 * It signs with the key the running stack trusts (`<DATA_DIR>/dev-issuer/issuer-key.json`) and never creates one:
 * without an embedded dev issuer there is nothing a dev token could be good for, and production never has one.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ZGroupName, ZSubject } from '@secret-api/contract';
import { LocalIssuer, LocalIssuerKeyMissingError } from '../auth/local-issuer.js';
import { DEV_AUDIENCE, DEV_ISSUER } from './dev-issuer.js';
import { devIssuerDir } from './layout.js';

export const DEV_TOKEN_USAGE = `Usage: secret-api dev-token --subject <sub> [--group <group>]... [--ttl <duration>] [--data-dir <dir>]

  Prints a token of the embedded dev stack's issuer (npm start without VAULT_ADDR) for any caller:
    export SECRET_API_TOKEN=$(npx secret-api dev-token --subject alice@example.com --group team-a)

Options:
  --subject <sub>     the token's subject: a person (alice@example.com), a CI job
                      (repo:acme/myapp:ref:refs/heads/main) or a cluster controller
                      (system:serviceaccount:secrets:controller)
  --group <group>     a group of the caller; repeat for several. Without any, the token has no
                      groups claim, like a CI job's token. The admin group is secret-api-admins.
  --ttl <duration>    lifetime: 90s, 30m, 1h, 2d (default 1h, at most 7d)
  --data-dir <dir>    the embedded stack's data directory (default: $DATA_DIR, else .data)
  -h, --help          show this help
`;

const DEFAULT_TTL_SECONDS = 3600;
const MAX_TTL_SECONDS = 7 * 24 * 3600;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Bad arguments, or no dev issuer to sign with: the message is for the user, exit code 1. */
export class DevTokenError extends Error {
  override name = 'DevTokenError';
}

export interface DevTokenRequest {
  subject: string;
  /** Empty: no groups claim at all. */
  groups: string[];
  ttlSeconds: number;
  dataDir: string;
}

/** Parses `--ttl`: a whole number of seconds, or one with a unit s, m, h or d. */
export function parseTtl(text: string): number {
  const match = /^([0-9]{1,7})([smhd]?)$/.exec(text.trim());
  if (!match) throw new DevTokenError(`--ttl ${JSON.stringify(text)}: expected a duration such as 90s, 30m, 1h or 2d`);
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
  if (seconds < 1 || seconds > MAX_TTL_SECONDS) throw new DevTokenError(`--ttl must be between 1s and 7d`);
  return seconds;
}

/** Reads the command line (after `dev-token`); undefined means help was asked for. */
export function parseDevTokenArgs(
  args: string[],
  env: Readonly<Record<string, string | undefined>>,
): DevTokenRequest | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        subject: { type: 'string' },
        group: { type: 'string', multiple: true },
        ttl: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new DevTokenError((err as Error).message);
  }
  if (values.help) return undefined;
  if (values.subject === undefined) throw new DevTokenError('--subject is required');
  const subject = ZSubject.safeParse(values.subject);
  if (!subject.success) throw new DevTokenError(`--subject: ${subject.error.issues[0]?.message ?? 'invalid'}`);
  const groups = (values.group ?? []).map((group) => {
    const parsed = ZGroupName.safeParse(group);
    if (!parsed.success)
      throw new DevTokenError(`--group ${JSON.stringify(group)}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  });
  const envDir = env['DATA_DIR']?.trim();
  return {
    subject: subject.data,
    groups: [...new Set(groups)],
    ttlSeconds: values.ttl === undefined ? DEFAULT_TTL_SECONDS : parseTtl(values.ttl),
    dataDir: values['data-dir'] ?? (envDir || '.data'),
  };
}

/**
 * Signs the token. Refuses in production mode (VAULT_ADDR set: the API there trusts only AUTH_ISSUERS) and when
 * the data directory has no dev issuer key (the embedded stack never ran there, or ran with AUTH_ISSUERS set).
 */
export async function mintDevToken(
  request: DevTokenRequest,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  if (env['VAULT_ADDR'] !== undefined && env['VAULT_ADDR'].trim() !== '') {
    throw new DevTokenError(
      'VAULT_ADDR is set, which is production mode: the Secret API trusts only its AUTH_ISSUERS there, never the ' +
        'dev issuer. Dev tokens are for the embedded stack (npm start without VAULT_ADDR); if you exported ' +
        'VAULT_ADDR by mistake, run `unset VAULT_ADDR VAULT_TOKEN`.',
    );
  }
  let issuer: LocalIssuer;
  try {
    issuer = await LocalIssuer.create({
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      dir: devIssuerDir(request.dataDir),
      existingOnly: true,
    });
  } catch (err) {
    if (err instanceof LocalIssuerKeyMissingError) {
      throw new DevTokenError(
        `there is no embedded dev issuer in ${request.dataDir} (no ${join('dev-issuer', 'issuer-key.json')}): ` +
          'dev tokens exist only for the embedded stack. Start it once with `npm start` (VAULT_ADDR and ' +
          'AUTH_ISSUERS unset), or point --data-dir (or DATA_DIR) at its data directory.',
      );
    }
    throw new DevTokenError(`cannot use the dev issuer key: ${(err as Error).message}`);
  }
  return issuer.sign(
    { sub: request.subject, ...(request.groups.length > 0 && { groups: request.groups }) },
    { ttlSeconds: request.ttlSeconds },
  );
}
