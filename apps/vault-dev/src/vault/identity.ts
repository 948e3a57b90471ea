/**
 * The slice of Vault's identity store that tokens show: one entity per
 * (auth mount, alias name), created on first login and reused after, so a
 * role's logins share an `entity_id` as in Vault.
 */
import { randomUUID } from 'node:crypto';
import { StateFormatError, type Persistable, type PersistedEntries } from '../persist/persistable.js';

export class IdentityStore implements Persistable {
  private readonly entities = new Map<string, string>();

  entityFor(mountAccessor: string, aliasName: string): string {
    const key = `${mountAccessor}\u0000${aliasName}`;
    let id = this.entities.get(key);
    if (!id) this.entities.set(key, (id = randomUUID()));
    return id;
  }

  /** `<mount accessor>\0<alias name>` → entity id. */
  snapshot(): PersistedEntries {
    return Object.fromEntries(this.entities);
  }

  restore(entries: PersistedEntries): void {
    this.entities.clear();
    for (const [key, id] of Object.entries(entries)) {
      if (typeof id !== 'string') throw new StateFormatError('identity: an entity id is not a string');
      this.entities.set(key, id);
    }
  }
}
