/** Pod IPs in 127.10.0.0/16: Linux routes all of 127/8 to lo, so a process can bind each one. */
export class PodIpAllocator {
  private next = 0;
  private readonly free: string[] = [];

  allocate(): string {
    const reused = this.free.shift();
    if (reused) return reused;
    const n = this.next++;
    if (n >= 254 * 254) throw new Error('kube-dev: pod IP range 127.10.0.0/16 exhausted');
    return `127.10.${Math.floor(n / 254)}.${(n % 254) + 1}`;
  }

  release(ip: string): void {
    this.free.push(ip);
  }
}
