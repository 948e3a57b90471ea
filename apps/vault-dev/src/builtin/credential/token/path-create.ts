/**
 * `auth/token/create`, `auth/token/create-orphan` and
 * `auth/token/create/<role_name>`, after Vault's handleCreateCommon
 * (vault/token_store.go, FieldData-based since Vault 1.14): parent checks,
 * token type, policy resolution with and without a role, orphaning, TTL
 * calculation and the `Policy "x" does not exist` warnings.
 */
import { durationSeconds, parseDurationSecond, parseGoDuration } from '../../../sdk/duration.js';
import { errorResponse } from '../../../sdk/errors.js';
import { FieldError, sanitizePolicies } from '../../../sdk/fields.js';
import { genericNameRegex, type FieldData, type FieldSchemas, type PathSpec } from '../../../sdk/framework.js';
import { goQuote, goQuoteList } from '../../../sdk/go-text.js';
import type { Request, Response } from '../../../sdk/logical.js';
import { removeDuplicatesLower } from '../../../sdk/strutil.js';
import { calculateTTL } from '../../../vault/ttl.js';
import { listContainsGlob, lookupTainted, NON_ASSIGNABLE_POLICIES, TOKEN_MOUNT, type TokenContext } from './context.js';
import type { TokenRole } from './roles.js';

export const CUSTOM_ID_WARNING =
  'Supplying a custom ID for the token uses the weaker SHA1 hashing instead of the more secure SHA2-256 HMAC for token obfuscation. SHA1 hashed tokens on the wire leads to less secure lookups.';

/** The fields of the three create paths (Vault's commonFieldsForCreate). */
const commonCreateFields: FieldSchemas = {
  display_name: { type: 'string', description: 'Name to associate with this token' },
  explicit_max_ttl: { type: 'string', description: 'Explicit Max TTL of this token' },
  entity_alias: { type: 'string', description: 'Name of the entity alias to associate with this token' },
  num_uses: { type: 'int', description: 'Max number of uses for this token' },
  period: { type: 'string', description: 'Renew period' },
  renewable: { type: 'bool', default: true },
  ttl: { type: 'string', description: 'Time to live for this token' },
  lease: { type: 'string', description: "Use 'ttl' instead" },
  type: { type: 'string', description: 'Token type' },
  no_default_policy: { type: 'bool' },
  id: { type: 'string', description: 'Value for the token' },
  meta: { type: 'kvPairs', description: 'Arbitrary key=value metadata to associate with the token' },
  no_parent: { type: 'bool' },
  policies: { type: 'stringSlice', description: 'List of policies for the token' },
};

/** Vault's displayNameSanitize applied to `token-<name>`, one trailing dash trimmed. */
export function tokenDisplayName(name: string): string {
  let full = `token-${name}`.replace(/[^a-zA-Z0-9-]/g, '-');
  if (full.endsWith('-')) full = full.slice(0, -1);
  return full;
}

function durationOf(raw: string): { ok: true; seconds: number } | { ok: false; error: string } {
  try {
    return { ok: true, seconds: parseDurationSecond(raw) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Validation done by Vault's ts.create for a caller-chosen service token id. */
function customIdError(ctx: TokenContext, id: string): string | null {
  if (id.startsWith('hvs.')) return "custom token ID cannot have the 'hvs.' prefix";
  if (id.startsWith('s.')) return "custom token ID cannot have the 's.' prefix";
  if (id.includes('.')) return "custom token ID cannot have a '.' in the value";
  if (lookupTainted(ctx.core.tokens, id)) return 'cannot create a token with a duplicate ID';
  return null;
}

export function createToken(
  ctx: TokenContext,
  req: Request,
  d: FieldData,
  orphan: boolean,
  role: TokenRole | undefined,
): Response {
  const core = ctx.core;
  const parent = core.tokens.lookup(req.clientToken);
  if (!parent) return errorResponse('parent token lookup failed: no parent found');
  if (parent.type === 'batch') return errorResponse('batch tokens cannot create more tokens');
  // A use-limited token could escape its limit through children.
  if (parent.numUses > 0) return errorResponse('restricted use token cannot generate child tokens');

  const isSudo = req.hasSudo === true;
  let policies = d.get<string[]>('policies');

  let tokenTypeStr = d.get<string>('type');
  if (role) {
    switch (role.tokenType) {
      case 'default-service':
        break;
      case 'default-batch':
        if (tokenTypeStr === '') tokenTypeStr = 'batch';
        break;
      case 'service':
        tokenTypeStr = 'service';
        break;
      case 'batch':
        tokenTypeStr = 'batch';
        break;
    }
  }

  let renewable = d.get<boolean>('renewable');
  const explicitMaxTTLRaw = d.get<string>('explicit_max_ttl');
  const numUses = d.get<number>('num_uses');
  const periodRaw = d.get<string>('period');
  let type: 'service' | 'batch' = 'service';
  switch (tokenTypeStr) {
    case '':
    case 'service':
      break;
    case 'batch': {
      // Go's switch: only the first matching case is examined.
      let badReason = '';
      if (explicitMaxTTLRaw !== '') {
        const dur = durationOf(explicitMaxTTLRaw);
        if (!dur.ok) return errorResponse('"explicit_max_ttl" value could not be parsed');
        if (dur.seconds !== 0) badReason = 'explicit_max_ttl';
      } else if (numUses !== 0) {
        badReason = 'num_uses';
      } else if (periodRaw !== '') {
        const dur = durationOf(periodRaw);
        if (!dur.ok) return errorResponse('"period" value could not be parsed');
        if (dur.seconds !== 0) badReason = 'period';
      }
      if (badReason !== '') return errorResponse(`batch tokens cannot have ${goQuote(badReason)} set`);
      type = 'batch';
      renewable = false;
      break;
    }
    default:
      return errorResponse("invalid 'token_type' value");
  }

  if (numUses < 0) return errorResponse('number of uses cannot be negative');

  let explicitEntityId = '';
  const entityAliasRaw = d.get<string>('entity_alias');
  if (entityAliasRaw !== '') {
    if (!role) return errorResponse("'entity_alias' is only allowed in combination with token role");
    const entityAlias = entityAliasRaw.toLowerCase();
    const allowed = role.allowedEntityAliases ?? [];
    if (!allowed.includes(entityAlias) && !listContainsGlob(allowed, entityAlias)) {
      return errorResponse("invalid 'entity_alias' value");
    }
    const mountAccessor = req.mountAccessor || core.router.byRoutePrefix(TOKEN_MOUNT)?.accessor || '';
    if (mountAccessor === '') return errorResponse('auth token mount accessor not found');
    explicitEntityId = core.identity.entityFor(mountAccessor, entityAliasRaw);
  }

  // An absent `meta` stays null; an empty one is `{}` (Vault keeps the distinction).
  const metaField = d.getOk('meta');
  const meta = metaField.ok ? (metaField.value as Record<string, string>) : null;

  let path = `${TOKEN_MOUNT}${req.relativePath}`;
  let tokenNumUses = numUses;
  if (role) {
    if (renewable && !role.renewable) renewable = false;
    // 0 means unlimited, so any role limit is "less".
    if (role.tokenNumUses !== 0 && (tokenNumUses === 0 || role.tokenNumUses < tokenNumUses)) {
      tokenNumUses = role.tokenNumUses;
    }
    if (role.pathSuffix !== '') path = `${path}/${role.pathSuffix}`;
  }

  let displayName = 'token';
  const displayNameRaw = d.get<string>('display_name');
  if (displayNameRaw !== '') displayName = tokenDisplayName(displayNameRaw);

  const customId = d.get<string>('id');
  if (customId !== '' && !isSudo) return errorResponse('root or sudo privileges required to specify token id');

  const warnings: string[] = [];

  let addDefault = false;
  const noDefaultPolicy = d.get<boolean>('no_default_policy');
  if (
    role &&
    (role.allowedPolicies.length > 0 ||
      role.disallowedPolicies.length > 0 ||
      role.allowedPoliciesGlob.length > 0 ||
      role.disallowedPoliciesGlob.length > 0)
  ) {
    // A role with allowed/disallowed lists decides the policies; the parent's are not consulted.
    let finalPolicies: string[] = [];
    const localAddDefault =
      !noDefaultPolicy &&
      !role.tokenNoDefaultPolicy &&
      !role.disallowedPolicies.includes('default') &&
      !listContainsGlob(role.disallowedPoliciesGlob, 'default');
    if (policies.length > 0) finalPolicies = sanitizePolicies(policies, localAddDefault);

    if (role.allowedPolicies.length > 0 || role.allowedPoliciesGlob.length > 0) {
      const sanitizedRolePolicies = sanitizePolicies(role.allowedPolicies, localAddDefault);
      if (finalPolicies.length === 0) {
        finalPolicies = sanitizedRolePolicies;
      } else {
        const sanitizedRoleGlobs = sanitizePolicies(role.allowedPoliciesGlob, false);
        for (const policy of finalPolicies) {
          if (!sanitizedRolePolicies.includes(policy) && !listContainsGlob(sanitizedRoleGlobs, policy)) {
            return errorResponse(
              `token policies (${goQuoteList(finalPolicies)}) must be subset of the role's allowed policies (${goQuoteList(sanitizedRolePolicies)}) or glob policies (${goQuoteList(sanitizedRoleGlobs)})`,
            );
          }
        }
      }
    } else if (finalPolicies.length === 0) {
      finalPolicies = sanitizePolicies(parent.policies, localAddDefault);
    }

    if (role.disallowedPolicies.length > 0 || role.disallowedPoliciesGlob.length > 0) {
      const disallowed = removeDuplicatesLower(role.disallowedPolicies);
      const disallowedGlobs = removeDuplicatesLower(role.disallowedPoliciesGlob);
      for (const policy of finalPolicies) {
        if (disallowed.includes(policy) || listContainsGlob(disallowedGlobs, policy)) {
          return errorResponse(`token policy ${goQuote(policy)} is disallowed by this role`);
        }
      }
    }
    policies = finalPolicies;
  } else if (policies.length === 0) {
    // Inherit the parent's policies; `default` only if the parent has it.
    policies = sanitizePolicies(parent.policies, false);
  } else if (!isSudo) {
    const requested = sanitizePolicies(policies, false);
    const parentPolicies = sanitizePolicies(parent.policies, false);
    if (!requested.every((p) => parentPolicies.includes(p))) {
      return errorResponse('child policies must be subset of parent');
    }
    if (!noDefaultPolicy && parent.policies.includes('default')) addDefault = true;
  } else {
    addDefault = !noDefaultPolicy;
  }

  let tokenPolicies = sanitizePolicies(policies, addDefault);
  if (noDefaultPolicy) tokenPolicies = tokenPolicies.filter((p) => p !== 'default');

  for (const policy of tokenPolicies) {
    if (NON_ASSIGNABLE_POLICIES.includes(policy)) return errorResponse(`cannot assign policy ${goQuote(policy)}`);
  }

  if (tokenPolicies.includes('root')) {
    // Sudo alone must not be a way to mint root tokens.
    if (!parent.policies.includes('root')) {
      return errorResponse('root tokens may not be created without parent token being root');
    }
    if (type === 'batch') return errorResponse('batch tokens cannot be root tokens');
  }

  let parentId = parent.id;
  let boundCidrs: string[] = [];
  if (role) {
    if (role.orphan) parentId = '';
    if (role.tokenBoundCidrs && role.tokenBoundCidrs.length > 0) boundCidrs = [...role.tokenBoundCidrs];
  } else if (d.get<boolean>('no_parent')) {
    if (!isSudo) return errorResponse('root or sudo privileges required to create orphan token');
    parentId = '';
  } else if (orphan) {
    parentId = '';
  }

  let entityId = '';
  if (explicitEntityId !== '') {
    entityId = explicitEntityId;
  } else if (parentId !== '') {
    entityId = parent.entityId;
    // Without a role a child inherits its parent's CIDR binding; a role always uses its own.
    if (!role) boundCidrs = [...parent.boundCidrs];
  }

  let explicitMaxTTL = 0;
  let explicitMaxTTLToUse = 0;
  if (explicitMaxTTLRaw !== '') {
    const dur = durationOf(explicitMaxTTLRaw);
    if (!dur.ok) return errorResponse(dur.error);
    if (dur.seconds < 0) return errorResponse('explicit_max_ttl must be positive');
    explicitMaxTTL = dur.seconds;
    explicitMaxTTLToUse = dur.seconds;
  }

  let period = 0;
  let periodToUse = 0;
  if (periodRaw !== '') {
    const dur = durationOf(periodRaw);
    if (!dur.ok) return errorResponse(dur.error);
    if (dur.seconds < 0) return errorResponse('period must be positive');
    if (dur.seconds > 0) {
      if (!isSudo) return errorResponse('root or sudo privileges required to create periodic token');
      period = dur.seconds;
      periodToUse = dur.seconds;
    }
  }

  let ttl = 0;
  const ttlRaw = d.get<string>('ttl');
  const leaseRaw = d.get<string>('lease');
  if (ttlRaw !== '') {
    const dur = durationOf(ttlRaw);
    if (!dur.ok) return errorResponse(dur.error);
    if (dur.seconds < 0) return errorResponse('ttl must be positive');
    ttl = dur.seconds;
  } else if (leaseRaw !== '') {
    // Legacy `lease` is a plain Go duration.
    let nanos: bigint;
    try {
      nanos = parseGoDuration(leaseRaw);
    } catch (err) {
      return errorResponse(err instanceof FieldError ? err.message : String(err));
    }
    if (nanos < 0n) return errorResponse('lease must be positive');
    ttl = Math.trunc(durationSeconds(nanos));
  }

  // The smaller of the request's and the role's period / explicit max wins.
  if (role && type !== 'batch') {
    if (role.tokenExplicitMaxTTL !== 0) {
      if (explicitMaxTTLToUse === 0) {
        explicitMaxTTLToUse = role.tokenExplicitMaxTTL;
      } else {
        if (role.tokenExplicitMaxTTL < explicitMaxTTLToUse) explicitMaxTTLToUse = role.tokenExplicitMaxTTL;
        warnings.push(
          `Explicit max TTL specified both during creation call and in role; using the lesser value of ${explicitMaxTTLToUse} seconds`,
        );
      }
    }
    if (role.tokenPeriod !== 0) {
      if (periodToUse === 0) {
        periodToUse = role.tokenPeriod;
      } else {
        if (role.tokenPeriod < periodToUse) periodToUse = role.tokenPeriod;
        warnings.push(
          `Period specified both during creation call and in role; using the lesser value of ${periodToUse} seconds`,
        );
      }
    }
  }

  const now = core.now();
  // Only non-periodic root tokens without a TTL skip the calculation (and never expire).
  if (periodToUse > 0 || ttl > 0 || !tokenPolicies.includes('root')) {
    const issue = Math.floor(now / 1000) * 1000;
    const result = calculateTTL(ctx.system, {
      increment: 0,
      backendTTL: ttl,
      period: periodToUse,
      backendMaxTTL: 0,
      explicitMaxTTL: explicitMaxTTLToUse,
      issueTime: issue,
      now: issue,
    });
    warnings.push(...result.warnings);
    ttl = result.ttl;
  }

  // Root tokens are still bound by an explicit max TTL.
  if (ttl === 0 && explicitMaxTTLToUse > 0) ttl = explicitMaxTTLToUse;

  if (ttl === 0) {
    if (parent.creationTTL !== 0) {
      return errorResponse('expiring root tokens cannot create non-expiring root tokens');
    }
    // Non-expiring tokens cannot be renewed and are not CIDR-bound.
    renewable = false;
    boundCidrs = [];
  }

  if (customId !== '') warnings.push(CUSTOM_ID_WARNING);

  if (customId !== '' && type === 'service') {
    const idError = customIdError(ctx, customId);
    if (idError) return errorResponse(idError);
  }

  const entry = core.tokens.create({
    ...(customId !== '' && type === 'service' ? { id: customId } : {}),
    parent: parentId,
    policies: tokenPolicies,
    path,
    mountPoint: TOKEN_MOUNT,
    meta,
    displayName,
    numUses: tokenNumUses,
    ttl,
    explicitMaxTTL,
    period,
    ...(role ? { role: role.name } : {}),
    type,
    boundCidrs,
    entityId,
    renewable,
  });

  for (const policy of entry.policies) {
    if (!core.policies.exists(policy)) warnings.push(`Policy ${goQuote(policy)} does not exist`);
  }

  // Batch tokens have no accessor in Vault.
  const issued = type === 'batch' ? { ...entry, accessor: '' } : entry;
  const resp: Response = { issuedToken: { entry: issued, leaseDuration: ttl } };
  if (warnings.length > 0) resp.warnings = warnings;
  return resp;
}

export function createPaths(ctx: TokenContext): PathSpec[] {
  return [
    {
      pattern: 'create-orphan$',
      fields: commonCreateFields,
      operations: { update: (req, d) => createToken(ctx, req, d, true, undefined) },
    },
    {
      pattern: `create/${genericNameRegex('role_name')}$`,
      fields: { role_name: { type: 'string', description: 'Name of the role' }, ...commonCreateFields },
      operations: {
        update: (req, d) => {
          const name = d.get<string>('role_name');
          const role = ctx.roles.get(name);
          if (!role) return errorResponse(`unknown role ${name}`);
          return createToken(ctx, req, d, false, role);
        },
      },
    },
    {
      pattern: 'create$',
      fields: commonCreateFields,
      operations: { update: (req, d) => createToken(ctx, req, d, false, undefined) },
    },
  ];
}
