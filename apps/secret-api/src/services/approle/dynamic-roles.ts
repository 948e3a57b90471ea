/**
 * Reading, writing and removing one app's dynamic-credential roles (database, AWS, PKI) in one cluster,
 * next to its AppRole. Which roles there should be comes from the profiles attached to the app
 * (services/dynamic); what they hold, from the template's profiles (libs/vault-policy dynamic.ts).
 */
import { VaultRequestError, type VaultClient } from '@secret-api/vault-client';
import {
  ProfileAttachmentError,
  planDynamicRoles,
  renderDynamicRoles,
  type ActualDynamicRoles,
  type DynamicAttachment,
  type DynamicRoleSlot,
  type DynamicRoles,
  type DynamicWrite,
  type PlannedChange,
} from '@secret-api/vault-policy';
import { ApiError } from '../../http/api-error.js';
import { settleAll, type RenderDeps } from './vault-objects.js';

const ENGINE_WORDS: Record<DynamicRoleSlot['engine'], string> = {
  database: 'database secrets engine',
  aws: 'AWS secrets engine',
  pki: 'PKI secrets engine',
};

export function desiredDynamicRoles(
  deps: Pick<RenderDeps, 'template'>,
  app: string,
  cluster: string,
  attachment: DynamicAttachment,
): DynamicRoles {
  try {
    return renderDynamicRoles(app, cluster, attachment, deps.template);
  } catch (err) {
    // The template lost a profile the app still has attached: an admin must attach another or detach it.
    if (!(err instanceof ProfileAttachmentError)) throw err;
    throw new ApiError(
      'conflict',
      `app '${app}' has dynamic credential profiles the policy template no longer defines (${err.problems.join('; ')}); ` +
        `an admin must change its attachment (PUT /v1/apps/${app}/dynamic)`,
    );
  }
}

function isNoHandler(body: unknown): boolean {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.some((e) => typeof e === 'string' && e.startsWith('no handler for route'));
}

/**
 * Each engine's role as Vault has it (null when absent). An engine that is not mounted holds no role: fine
 * when nothing is attached for it, a 503 naming the mount when something is (no write could succeed).
 */
export async function readActualDynamicRoles(
  vault: Pick<VaultClient, 'send'>,
  desired: DynamicRoles,
): Promise<ActualDynamicRoles> {
  const entries = await Promise.all(
    desired.slots.map(async (slot) => {
      const reply = await vault.send('GET', slot.path, { idempotent: true });
      if (reply.status !== 404) return [slot.engine, (reply.body?.data ?? null) as Record<string, unknown> | null];
      if (slot.desired !== null && isNoHandler(reply.body)) {
        throw new ApiError(
          'vault_unavailable',
          `Vault has no ${ENGINE_WORDS[slot.engine]} mounted at ${slot.mount}/, which ${slot.engine} profile ` +
            `'${slot.desired.profile}' needs; an operator must enable it`,
        );
      }
      return [slot.engine, null];
    }),
  );
  return Object.fromEntries(entries) as ActualDynamicRoles;
}

export async function planDynamic(vault: Pick<VaultClient, 'send'>, desired: DynamicRoles): Promise<PlannedChange[]> {
  return planDynamicRoles(desired, await readActualDynamicRoles(vault, desired));
}

/**
 * Writes and deletes the roles, one per engine: independent of each other, so they go together. Vault checks
 * a role's fields against each other and the engine (AWS credential types, PKI key sizes): its refusal is a
 * 409 that quotes it, since the template is at fault.
 */
export async function writeDynamicRoles(
  vault: Pick<VaultClient, 'write' | 'delete'>,
  writes: readonly DynamicWrite[],
): Promise<void> {
  await settleAll(writes.map((w) => writeDynamicRole(vault, w)));
}

async function writeDynamicRole(vault: Pick<VaultClient, 'write' | 'delete'>, w: DynamicWrite): Promise<void> {
  if (w.body === null) {
    await vault.delete(w.path);
    return;
  }
  try {
    await vault.write(w.path, w.body, { idempotent: true });
  } catch (err) {
    if (!(err instanceof VaultRequestError)) throw err;
    throw new ApiError(
      'conflict',
      `Vault refused the ${w.kind} ${w.name} (${w.path}) rendered from the policy template: ${err.errors.join('; ') || `status ${err.status}`}`,
    );
  }
}

/** Removes every engine's role of the app in the cluster (with the app). Absent roles and engines are fine. */
export async function deleteDynamicRoles(vault: Pick<VaultClient, 'delete'>, desired: DynamicRoles): Promise<void> {
  await Promise.all(desired.slots.map((slot) => vault.delete(slot.path)));
}
