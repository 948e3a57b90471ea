import { describe, expect, it } from 'vitest';
import { NamespaceGrants } from './namespace-grants.js';

/** Namespaces as the API server would answer them, counting the reads. */
function cluster(annotations: Record<string, string | undefined>) {
  const reads: string[] = [];
  const kube = {
    get: async <T>(path: string): Promise<T> => {
      reads.push(path);
      const name = decodeURIComponent(path.split('/').at(-1)!);
      if (!(name in annotations)) throw Object.assign(new Error(`namespaces "${name}" not found`), { status: 404 });
      const listed = annotations[name];
      return {
        metadata: { name, ...(listed !== undefined && { annotations: { 'secret-api.dev/apps': listed } }) },
      } as T;
    },
  };
  return { kube, reads, annotations };
}

describe('which apps a namespace may run', () => {
  it('its own name, with no read at all', async () => {
    const c = cluster({});
    expect(await new NamespaceGrants({ kube: c.kube }).allows('myapp', 'myapp')).toBe(true);
    expect(c.reads).toEqual([]);
  });

  it('the apps its annotation lists (spaces and empty items ignored), or any with *', async () => {
    const grants = new NamespaceGrants({
      kube: cluster({ shop: ' cart, checkout ,,', all: '*', bare: undefined, empty: '' }).kube,
    });
    expect(await grants.allows('shop', 'cart')).toBe(true);
    expect(await grants.allows('shop', 'checkout')).toBe(true);
    expect(await grants.allows('shop', 'payments')).toBe(false);
    expect(await grants.allows('shop', 'car')).toBe(false);
    expect(await grants.allows('all', 'payments')).toBe(true);
    expect(await grants.allows('bare', 'payments')).toBe(false);
    expect(await grants.allows('empty', 'payments')).toBe(false);
  });

  it('reads a namespace once per few seconds, and sees a new annotation after that', async () => {
    const c = cluster({ shop: '' });
    let now = 0;
    const grants = new NamespaceGrants({ kube: c.kube, ttlMs: 5_000, now: () => now });
    expect(await grants.allows('shop', 'cart')).toBe(false);
    c.annotations['shop'] = 'cart';
    now = 4_999;
    expect(await grants.allows('shop', 'cart')).toBe(false);
    expect(c.reads).toHaveLength(1);
    now = 5_000;
    expect(await grants.allows('shop', 'cart')).toBe(true);
    expect(c.reads).toHaveLength(2);
  });

  it('remembers at most maxEntries namespaces', async () => {
    const c = cluster({ a: 'x', b: 'x', c: 'x' });
    const grants = new NamespaceGrants({ kube: c.kube, maxEntries: 2 });
    for (const ns of ['a', 'b', 'c', 'a']) await grants.allows(ns, 'x');
    expect(c.reads).toHaveLength(4); // `a` was dropped when `c` came
  });

  it('a namespace it cannot read is an error for the caller to retry, not a grant', async () => {
    await expect(new NamespaceGrants({ kube: cluster({}).kube }).allows('gone', 'x')).rejects.toThrow(/not found/);
  });
});
