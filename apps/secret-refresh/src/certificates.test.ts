import { describe, expect, it } from 'vitest';
import { replaceAt } from './certificates.js';

describe('when a pod holding a certificate is replaced', () => {
  const day = 86_400_000;
  const certificate = { issuedAt: new Date(0), expiresAt: new Date(30 * day) };

  it('at two thirds of its life, less up to a twentieth of it (pods started together spread out)', () => {
    expect(replaceAt(certificate, 0)).toBe(20 * day);
    expect(replaceAt(certificate, 0.999999)).toBeGreaterThan(18.5 * day);
    expect(replaceAt(certificate, 0.5)).toBe(20 * day - 0.75 * day);
  });
});
