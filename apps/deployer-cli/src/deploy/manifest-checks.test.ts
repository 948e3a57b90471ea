import { describe, expect, it } from 'vitest';
import { parseManifests } from '../inject/manifests.js';
import { duplicateProblems, unservedProblems } from './manifest-checks.js';

const a = parseManifests('apiVersion: v1\nkind: Service\nmetadata: { name: web }\n', 'a.yaml');
const b = parseManifests(
  [
    '# the same Service, in the default namespace, inside a List',
    'apiVersion: v1',
    'kind: List',
    'items:',
    '  - { apiVersion: v1, kind: Service, metadata: { name: web, namespace: shop } }',
    '  - { apiVersion: v1, kind: Service, metadata: { name: web, namespace: other } }',
    '---',
    'apiVersion: networking.k8s.io/v1',
    'kind: Ingress',
    'metadata: { name: web }',
  ].join('\n'),
  'b.yaml',
);

describe('the manifests deploy checks before it writes anything', () => {
  it('one object given twice is named at both places; the same name in another namespace or group is another object', () => {
    expect(duplicateProblems([...a, ...b], 'shop')).toEqual([
      'b.yaml:2: Service/shop/web is given again (first at a.yaml:1)',
    ]);
  });

  it('each kind the cluster does not serve is named where it was written, asking the cluster once per kind', async () => {
    const asked: string[] = [];
    const problems = await unservedProblems([...a, ...b], async (apiVersion, kind) => {
      asked.push(`${apiVersion} ${kind}`);
      return kind === 'Service' ? { namespaced: true } : undefined;
    });
    expect(problems).toEqual(['b.yaml:8: Ingress/web: the cluster serves no kind Ingress in networking.k8s.io/v1']);
    expect(asked).toEqual(['v1 Service', 'networking.k8s.io/v1 Ingress']);
  });
});
