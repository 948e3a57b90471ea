import { describe, expect, it } from 'vitest';
import { ANY_SECRET, formatSecretReads, parseSecretReads, readsChange, secretReads } from './index.js';

const place = { app: 'shop', cloud: 'aws', env: 'stg', kvMount: 'secret' };

describe('secretReads: what a pod reads, named as lookup names it', () => {
  it('takes lookup keys as they are written', () => {
    const reads = secretReads({ lookups: ['API_KEY', 'global/SENTRY', 'cluster/DSN', 'API_KEY'], paths: [] }, place);
    expect(formatSecretReads(reads)).toBe('API_KEY,cluster/DSN,global/SENTRY');
  });

  it('maps the KV paths of rawRead and SECRET_ variables to the same names', () => {
    const reads = secretReads(
      {
        lookups: [],
        paths: [
          'secret/data/shop/DB',
          'secret/data/global/G',
          'secret/data/project/aws/P',
          'secret/data/cluster/aws/stg/C',
        ],
      },
      place,
    );
    expect(formatSecretReads(reads)).toBe('DB,cluster/C,global/G,project/P');
  });

  it('leaves out what no change of this pod can concern: dynamic engines, other mounts, other apps, clusters and clouds', () => {
    const reads = secretReads(
      {
        lookups: [],
        paths: [
          'database/creds/shop',
          'kv/data/shop/X',
          'secret/data/other/X',
          'secret/data/project/gcp/P',
          'secret/data/cluster/aws/prod/C',
          'secret/data/cluster/aws',
          'secret/metadata/shop/X',
        ],
      },
      place,
    );
    expect(formatSecretReads(reads)).toBe('');
  });

  it('reads everything when a template computes a key or a path, or names one the annotation cannot carry', () => {
    expect(secretReads({ lookups: ['A', undefined], paths: [] }, place)).toBe(ANY_SECRET);
    expect(secretReads({ lookups: [], paths: [undefined] }, place)).toBe(ANY_SECRET);
    expect(secretReads({ lookups: ['A,B'], paths: [] }, place)).toBe(ANY_SECRET);
    expect(secretReads({ lookups: ['*'], paths: [] }, place)).toBe(ANY_SECRET);
  });
});

describe('readsChange: whether a change concerns a pod', () => {
  const reads = parseSecretReads('API_KEY,cluster/DSN');

  it('matches the own secrets and the shared scopes the pod reads, and nothing else', () => {
    expect(readsChange(reads, 'shop', { scope: 'app', app: 'shop', key: 'API_KEY' })).toBe(true);
    expect(readsChange(reads, 'shop', { scope: 'cluster', key: 'DSN' })).toBe(true);
    expect(readsChange(reads, 'shop', { scope: 'app', app: 'shop', key: 'OTHER' })).toBe(false);
    expect(readsChange(reads, 'shop', { scope: 'global', key: 'DSN' })).toBe(false);
    expect(readsChange(reads, 'shop', { scope: 'app', app: 'other', key: 'API_KEY' })).toBe(false);
  });

  it('treats a pod without the annotation, or with *, as reading every secret of its app and the shared scopes', () => {
    for (const any of [parseSecretReads(undefined), parseSecretReads('*'), parseSecretReads('A,*')]) {
      expect(readsChange(any, 'shop', { scope: 'app', app: 'shop', key: 'X' })).toBe(true);
      expect(readsChange(any, 'shop', { scope: 'global', key: 'X' })).toBe(true);
      expect(readsChange(any, 'shop', { scope: 'app', app: 'other', key: 'X' })).toBe(false);
    }
  });

  it('treats an empty annotation as reading nothing', () => {
    expect(readsChange(parseSecretReads(''), 'shop', { scope: 'app', app: 'shop', key: 'X' })).toBe(false);
  });
});
