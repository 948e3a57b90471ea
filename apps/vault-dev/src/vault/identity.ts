/**
 * The slice of Vault's identity store that tokens show: one entity per
 * (auth mount, alias name), created on first login and reused after, so a
 * role's logins share an `entity_id` as in Vault.
 */
import { randomUUID } from 'node:crypto';

export class IdentityStore {
  private readonly entities = new Map<string, string>();

  entityFor(mountAccessor: string, aliasName: string): string {
    const key = `${mountAccessor}\u0000${aliasName}`;
    let id = this.entities.get(key);
    if (!id) this.entities.set(key, (id = randomUUID()));
    return id;
  }
}
