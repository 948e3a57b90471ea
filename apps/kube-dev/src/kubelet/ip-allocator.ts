/**
 * Pod IPs from the node's pod CIDR, inside 127.0.0.0/8: Linux routes all of 127/8 to lo, so a process can bind each
 * one. The default, 127.10.0.0/16, is every kube-dev's: two stand-ins on one machine that run real processes in
 * their pods (each listening on its pod IP) need ranges of their own (`podCIDR`).
 */
export const DEFAULT_POD_CIDR = '127.10.0.0/16';

export class PodCidrError extends Error {
  override name = 'PodCidrError';
}

/** The first address and the size of a /16 or /24 inside 127.0.0.0/8, e.g. 127.10.0.0/16 or 127.21.7.0/24. */
function parsePodCidr(cidr: string): { base: number; size: number } {
  const match = /^127\.(\d{1,3})\.(\d{1,3})\.0\/(16|24)$/.exec(cidr);
  const [b, c] = [Number(match?.[1]), Number(match?.[2])];
  if (!match || b > 255 || c > 255 || (match[3] === '16' && c !== 0)) {
    throw new PodCidrError(
      `pod CIDR ${JSON.stringify(cidr)}: expected a /16 or /24 inside 127.0.0.0/8, e.g. 127.10.0.0/16`,
    );
  }
  return { base: (127 << 24) | (b << 16) | (c << 8), size: match[3] === '16' ? 65536 : 256 };
}

export class PodIpAllocator {
  private next = 0;
  private readonly free: string[] = [];
  private readonly base: number;
  private readonly size: number;

  constructor(private readonly cidr: string = DEFAULT_POD_CIDR) {
    ({ base: this.base, size: this.size } = parsePodCidr(cidr));
  }

  allocate(): string {
    const reused = this.free.shift();
    if (reused) return reused;
    // Skip each /24's .0 and .255, as the original 127.10/16 layout did.
    for (;;) {
      const offset = this.next++;
      if (offset >= this.size) throw new Error(`kube-dev: pod IP range ${this.cidr} exhausted`);
      const last = (this.base + offset) & 0xff;
      if (last !== 0 && last !== 255) return ipOf(this.base + offset);
    }
  }

  release(ip: string): void {
    this.free.push(ip);
  }
}

function ipOf(n: number): string {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}
