import { describe, expect, it } from 'vitest';
import { ACL_CACHE_LIMIT, PolicyStore } from './policy-store.js';

const canRead = (store: PolicyStore, names: string[], path: string) =>
  store.acl(names).allowOperation({ path, operation: 'read' }).allowed;

describe('the ACL of a token’s policies', () => {
  it('stays the same object while other policies are written', () => {
    const store = new PolicyStore();
    store.set('kept', 'path "secret/data/kept" { capabilities = ["read"] }');
    const before = store.acl(['default', 'kept']);
    store.set('unrelated', 'path "secret/data/kept" { capabilities = ["deny"] }');
    store.delete('unrelated');
    expect(store.acl(['default', 'kept'])).toBe(before);
  });

  it('follows every write and deletion of a policy it names, on the very next request', () => {
    const store = new PolicyStore();
    store.set('kept', 'path "secret/data/kept" { capabilities = ["read"] }');
    const names = ['default', 'kept', 'later'];
    expect(canRead(store, names, 'secret/data/kept')).toBe(true);
    // A policy the token names before it exists takes effect when it is written.
    store.set('Later', 'path "secret/data/kept" { capabilities = ["deny"] }');
    expect(canRead(store, names, 'secret/data/kept')).toBe(false);
    store.delete('later');
    expect(canRead(store, names, 'secret/data/kept')).toBe(true);
    store.set('kept', 'path "secret/data/other" { capabilities = ["read"] }');
    expect(canRead(store, names, 'secret/data/kept')).toBe(false);
    expect(canRead(store, names, 'secret/data/other')).toBe(true);
    store.delete('kept');
    expect(canRead(store, names, 'secret/data/other')).toBe(false);
  });

  it('keeps a bounded number of policy sets, dropping the least recently used, and still answers for any set', () => {
    const store = new PolicyStore();
    store.set('kept', 'path "secret/data/kept" { capabilities = ["read"] }');
    const hot = store.acl(['default', 'kept']);
    // Tokens may name policies that do not exist: every distinct set is a new entry.
    for (let i = 0; i < ACL_CACHE_LIMIT + 100; i++) {
      store.acl(['default', `missing-${i}`]);
      if (i % 100 === 0) expect(store.acl(['default', 'kept'])).toBe(hot);
    }
    expect(store.cachedAclCount).toBeLessThanOrEqual(ACL_CACHE_LIMIT);
    expect(store.acl(['default', 'kept'])).toBe(hot);
    expect(canRead(store, ['default', 'missing-0'], 'secret/data/kept')).toBe(false);
    expect(canRead(store, ['kept'], 'secret/data/kept')).toBe(true);
  });
});
