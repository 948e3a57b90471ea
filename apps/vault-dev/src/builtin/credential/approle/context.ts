/**
 * What every AppRole path handler shares: the storage, the mount's system
 * view and the clock.
 */
import { genericNameRegex, type FieldData, type SystemView } from '../../../sdk/framework.js';
import type { NanoClock } from '../../../sdk/time.js';
import type { AppRoleStore } from './role.js';

export interface AppRoleContext {
  store: AppRoleStore;
  system: SystemView;
  now: NanoClock;
}

/** `role/<role_name>` as Vault's framework.GenericNameRegex("role_name") matches it. */
export const ROLE_NAME = genericNameRegex('role_name');

export const roleNameField = { role_name: { type: 'string' as const, description: 'Name of the role.' } };

export function roleNameOf(data: FieldData): string {
  return data.get<string>('role_name');
}
