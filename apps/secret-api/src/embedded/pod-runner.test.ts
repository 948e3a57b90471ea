import { describe, expect, it } from 'vitest';
import { projected } from './pod-runner.js';

describe('configMap volume projection (the embedded kubelet)', () => {
  const data = { 'ca.pem': 'PEM', 'app.conf': 'x', '..data': 'skipped' };

  it('writes every key under its own name, skipping names no kubelet would write', () => {
    expect(projected(data, { name: 'cm' })).toEqual([
      ['ca.pem', 'PEM'],
      ['app.conf', 'x'],
    ]);
  });

  it('with items, writes only the listed keys, each at its path', () => {
    expect(projected(data, { name: 'cm', items: [{ key: 'ca.pem', path: 'ca.crt' }] })).toEqual([['ca.crt', 'PEM']]);
    expect(projected(data, { name: 'cm', items: [{ key: 'ca.pem', path: '../escape' }] })).toEqual([]);
  });

  it('a listed key the ConfigMap lacks fails the pod, unless the volume is optional', () => {
    expect(() => projected(data, { name: 'cm', items: [{ key: 'nope', path: 'x' }] })).toThrow(
      'configmap cm has no key nope',
    );
    expect(projected(data, { name: 'cm', optional: true, items: [{ key: 'nope', path: 'x' }] })).toEqual([]);
  });
});
