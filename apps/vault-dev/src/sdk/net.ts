/**
 * IP addresses and networks with the semantics of Go's `net` package:
 *  - `parseIP` is net.ParseIP (an IPv4-mapped IPv6 address counts as IPv4, as
 *    Go's IP.To4 makes it);
 *  - `parseCIDR` is net.ParseCIDR (same error text: `invalid CIDR address: x`);
 *  - `formatIP` is Go's IP.String (RFC 5952 IPv6 compression).
 */

export interface IPAddr {
  /** 4 bytes for IPv4 (including IPv4-mapped IPv6), 16 for IPv6. */
  bytes: number[];
}

export interface IPNet {
  /** The address as written (host bits kept). */
  addr: IPAddr;
  /** The network number (host bits cleared). */
  network: IPAddr;
  prefix: number;
}

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIPv4Bytes(s: string): number[] | null {
  const m = V4_RE.exec(s);
  if (!m) return null;
  const out: number[] = [];
  for (const part of m.slice(1, 5)) {
    const p = part as string;
    // Go rejects octets with leading zeros (ambiguous octal).
    if (p.length > 1 && p.startsWith('0')) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIPv6Bytes(s: string): number[] | null {
  if (s === '' || s.includes('%')) return null;
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl !== -1) {
    if (s.indexOf('::', dbl + 1) !== -1) return null;
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
  }
  const parseGroups = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (allowV4Tail && i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIPv4Bytes(g);
        if (!v4) return null;
        out.push(...v4);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      const n = parseInt(g, 16);
      out.push(n >> 8, n & 0xff);
    }
    return out;
  };
  const headBytes = parseGroups(head, dbl === -1);
  const tailBytes = dbl === -1 ? [] : parseGroups(tail, true);
  if (!headBytes || !tailBytes) return null;
  if (dbl === -1) return headBytes.length === 16 ? headBytes : null;
  // "::" stands for at least one group of zeros.
  if (headBytes.length + tailBytes.length > 14) return null;
  return [...headBytes, ...new Array<number>(16 - headBytes.length - tailBytes.length).fill(0), ...tailBytes];
}

function isV4Mapped(b: number[]): boolean {
  return b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
}

/** Go's net.ParseIP (IPv4-mapped IPv6 addresses come back as IPv4). */
export function parseIP(s: string): IPAddr | null {
  const v4 = parseIPv4Bytes(s);
  if (v4) return { bytes: v4 };
  const v6 = parseIPv6Bytes(s);
  if (!v6) return null;
  return isV4Mapped(v6) ? { bytes: v6.slice(12) } : { bytes: v6 };
}

function maskBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
}

export class CIDRParseError extends Error {}

/** Go's net.ParseCIDR; throws `invalid CIDR address: <s>`. */
export function parseCIDR(s: string): IPNet {
  const fail = () => new CIDRParseError(`invalid CIDR address: ${s}`);
  const slash = s.indexOf('/');
  if (slash === -1) throw fail();
  const addrText = s.slice(0, slash);
  const maskText = s.slice(slash + 1);
  if (!/^\d+$/.test(maskText)) throw fail();
  const v4 = parseIPv4Bytes(addrText);
  const v6 = v4 ? null : parseIPv6Bytes(addrText);
  if (!v4 && !v6) throw fail();
  let prefix = Number(maskText);
  let bytes = (v4 ?? v6) as number[];
  if (prefix > bytes.length * 8) throw fail();
  // An IPv4-mapped IPv6 network with a /96+ prefix behaves as an IPv4 network in Go.
  if (v6 && isV4Mapped(v6) && prefix >= 96) {
    bytes = v6.slice(12);
    prefix -= 96;
  }
  const addr = { bytes };
  return { addr, network: { bytes: maskBytes(bytes, prefix) }, prefix };
}

/** Go's IPNet.Contains. */
export function netContains(net: IPNet, ip: IPAddr): boolean {
  if (net.network.bytes.length !== ip.bytes.length) return false;
  const masked = maskBytes(ip.bytes, net.prefix);
  return masked.every((b, i) => b === net.network.bytes[i]);
}

/** Go's IP.String(). */
export function formatIP(ip: IPAddr): string {
  const b = ip.bytes;
  if (b.length === 4) return b.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  // Longest run of zero groups (first one wins a tie); a single group is not compressed.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  const hex = (g: number) => g.toString(16);
  if (bestStart === -1) return groups.map(hex).join(':');
  const left = groups.slice(0, bestStart).map(hex).join(':');
  const right = groups
    .slice(bestStart + bestLen)
    .map(hex)
    .join(':');
  return `${left}::${right}`;
}
