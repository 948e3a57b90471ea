import { describe, expect, it } from 'vitest';
import { sameApplied } from './kube.js';

const applied = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', annotations: { 'secret-api.dev/restart-on-change': 'true' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
};
const owned = (fields: object) => [{ manager: 'deployer', operation: 'Apply', time: 'T', fieldsV1: fields }];
const live = (over: { image?: string; rv?: string; fields?: object; extra?: object } = {}) => ({
  ...applied,
  metadata: {
    ...applied.metadata,
    resourceVersion: over.rv ?? '1',
    annotations: { ...applied.metadata.annotations, ...over.extra },
    managedFields: owned(over.fields ?? { 'f:spec': {} }),
  },
  spec: {
    replicas: 2,
    template: {
      spec: { containers: [{ name: 'web', image: over.image ?? 'web:1', imagePullPolicy: 'IfNotPresent' }] },
    },
  },
  status: { replicas: 2 },
});

describe('sameApplied: whether an apply changed what it applies', () => {
  it('is unchanged when only what others write changed meanwhile: status, resourceVersion, their annotations', () => {
    const after = {
      ...live({ rv: '9', extra: { 'deployment.kubernetes.io/revision': '2' } }),
      status: { replicas: 3 },
    };
    expect(sameApplied(live(), after, applied)).toBe(true);
  });

  it('is changed when a field the manifest sets changed, or the deployer gave up a field', () => {
    expect(sameApplied(live({ image: 'web:0' }), live(), applied)).toBe(false);
    expect(sameApplied(live({ fields: { 'f:spec': {}, 'f:metadata': {} } }), live(), applied)).toBe(false);
  });
});
