import { describe, expect, it } from 'vitest';
import { call } from '../../test/support/https.js';
import { startKubeDev } from '../server.js';
import { PodCidrError, PodIpAllocator } from './ip-allocator.js';

type PodStatus = { status?: { podIP?: string } };

const take = (allocator: PodIpAllocator, n: number) => Array.from({ length: n }, () => allocator.allocate());

describe('pod IPs', () => {
  it('come from 127.10.0.0/16 by default, skipping each /24 .0 and .255', () => {
    const ips = take(new PodIpAllocator(), 256);
    expect(ips.slice(0, 2)).toEqual(['127.10.0.1', '127.10.0.2']);
    expect(ips[253]).toBe('127.10.0.254');
    expect(ips[254]).toBe('127.10.1.1');
    expect(new Set(ips).size).toBe(256);
  });

  it('come from the pod CIDR given, and a /24 runs out after its 254 addresses', () => {
    const allocator = new PodIpAllocator('127.21.7.0/24');
    const ips = take(allocator, 254);
    expect(ips[0]).toBe('127.21.7.1');
    expect(ips[253]).toBe('127.21.7.254');
    expect(() => allocator.allocate()).toThrow('pod IP range 127.21.7.0/24 exhausted');
    allocator.release('127.21.7.9');
    expect(allocator.allocate()).toBe('127.21.7.9');
  });

  it('refuses a pod CIDR outside 127.0.0.0/8 or of another size, naming it', () => {
    for (const cidr of ['10.0.0.0/16', '127.1.2.0/16', '127.300.0.0/24', '127.5.0.0/8', '127.5.0.1/24', '']) {
      expect(() => new PodIpAllocator(cidr), cidr).toThrow(PodCidrError);
    }
  });

  it("are what the stand-in's pods get, and a bad pod CIDR stops it before it listens", async () => {
    await expect(startKubeDev({ podCIDR: '10.0.0.0/8' })).rejects.toThrow(/pod CIDR "10.0.0.0\/8"/);
    const kube = await startKubeDev({ podCIDR: '127.21.7.0/24' });
    try {
      const created = await call(kube, 'POST', '/api/v1/namespaces/default/pods', {
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
      });
      expect(created.status).toBe(201);
      await expect
        .poll(
          async () => ((await call(kube, 'GET', '/api/v1/namespaces/default/pods/p')).body as PodStatus).status?.podIP,
        )
        .toBe('127.21.7.1');
    } finally {
      await kube.close();
    }
  });
});
