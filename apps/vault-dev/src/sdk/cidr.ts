/**
 * CIDR checks with Vault's semantics and error texts: `sdk/helper/cidrutil`,
 * and the bound-CIDR parsing of go-sockaddr and parseutil.ParseAddrs, over
 * Go's `net` package (net.ts).
 */
import { goQuote } from './go-text.js';
import { formatIP, netContains, parseCIDR, parseIP, type IPAddr, type IPNet } from './net.js';

/** cidrutil.IPBelongsToCIDR. */
export function ipBelongsToCIDR(ipAddr: string, cidr: string): boolean {
  if (ipAddr === '') throw new Error('missing IP address');
  const ip = parseIP(ipAddr);
  if (!ip) throw new Error('invalid IP address');
  return netContains(parseCIDR(cidr), ip);
}

/** cidrutil.IPBelongsToCIDRBlocksSlice. Throws Go's error texts. */
export function ipBelongsToCIDRBlocks(ipAddr: string, cidrs: readonly string[]): boolean {
  if (ipAddr === '') throw new Error('missing IP address');
  if (cidrs.length === 0) throw new Error('missing CIDR blocks to be checked against');
  if (!parseIP(ipAddr)) throw new Error('invalid IP address');
  for (const cidr of cidrs) {
    if (ipBelongsToCIDR(ipAddr, cidr)) return true;
  }
  return false;
}

/**
 * cidrutil.ValidateCIDRListSlice: every block must parse as a CIDR. Returns
 * the Go error text of the first bad block, or null.
 */
export function validateCIDRList(blocks: readonly string[]): string | null {
  if (blocks.length === 0) return 'missing CIDR blocks that needs validation';
  for (const block of blocks) {
    try {
      parseCIDR(block.trim());
    } catch (err) {
      return (err as Error).message;
    }
  }
  return null;
}

function isZeroAddr(ip: IPAddr): boolean {
  return ip.bytes.every((b) => b === 0);
}

/** cidrutil.Subset: whether cidr2 lies inside cidr1. */
export function cidrSubset(cidr1: string, cidr2: string): boolean {
  if (cidr1 === '') throw new Error('missing CIDR to be checked against');
  if (cidr2 === '') throw new Error('missing CIDR that needs to be checked');
  let net1: IPNet;
  try {
    net1 = parseCIDR(cidr1);
  } catch (err) {
    throw new Error(`failed to parse the CIDR to be checked against: ${goQuote((err as Error).message)}`);
  }
  if (!isZeroAddr(net1.addr) && net1.prefix === 0) {
    throw new Error('CIDR to be checked against is not in its canonical form');
  }
  let net2: IPNet;
  try {
    net2 = parseCIDR(cidr2);
  } catch (err) {
    throw new Error(`failed to parse the CIDR that needs to be checked: ${goQuote((err as Error).message)}`);
  }
  if (!isZeroAddr(net2.addr) && net2.prefix === 0) {
    throw new Error('CIDR that needs to be checked is not in its canonical form');
  }
  if (net2.prefix < net1.prefix) return false;
  return ipBelongsToCIDR(formatIP(net2.network), cidr1);
}

/** cidrutil.SubsetBlocks: every block of `blocks2` lies inside some block of `blocks1`. */
export function cidrSubsetBlocks(blocks1: readonly string[], blocks2: readonly string[]): boolean {
  if (blocks1.length === 0) throw new Error('missing CIDR blocks to be checked against');
  if (blocks2.length === 0) throw new Error('missing CIDR blocks that needs to be checked');
  for (const b2 of blocks2) {
    if (!blocks1.some((b1) => cidrSubset(b1, b2))) return false;
  }
  return true;
}

/**
 * go-sockaddr's NewSockAddr as Vault reads bound CIDRs: an IP address (a
 * network of its full length), or an address with a prefix length (host bits
 * kept). Null for anything else.
 *
 * Not emulated: go-sockaddr also accepts `host:port` forms and, for anything
 * containing a `/` that is not an IP network, a UNIX socket path; both are
 * refused here because they can never match a client address.
 */
function parseSockAddrNet(s: string): IPNet | null {
  if (s.includes('/')) {
    try {
      return parseCIDR(s);
    } catch {
      return null;
    }
  }
  const ip = parseIP(s);
  return ip ? { addr: ip, network: ip, prefix: ip.bytes.length * 8 } : null;
}

/**
 * parseSockAddrNet as tokenutil stores token_bound_cidrs: SockAddrMarshaler's
 * string form (`10.0.0.1` for a /32 host, `10.1.2.3/8` with the host bits kept
 * otherwise), or Go's error text.
 */
export function parseSockAddr(s: string): string {
  const net = parseSockAddrNet(s);
  if (!net) throw new Error(`Unable to convert ${goQuote(s)} to an IPv4 or IPv6 address, or a UNIX Socket`);
  const full = net.addr.bytes.length * 8;
  return net.prefix === full ? formatIP(net.addr) : `${formatIP(net.addr)}/${net.prefix}`;
}

/** parseutil.ParseAddrs over a string list: `error parsing address "x": …`. */
export function parseAddrs(addrs: readonly string[]): string[] {
  return addrs.map((addr) => {
    try {
      return parseSockAddr(addr);
    } catch (err) {
      throw new Error(`error parsing address ${goQuote(addr)}: ${(err as Error).message}`);
    }
  });
}

/**
 * cidrutil.RemoteAddrIsOk: whether a client address may use a token bound to
 * `cidrs` (no blocks = any address). An address that does not parse gets
 * nothing, on the side of less access.
 */
export function addrInCidrs(address: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  const ip = parseIP(address);
  if (!ip) return false;
  return cidrs.some((cidr) => {
    const net = parseSockAddrNet(cidr);
    return net !== null && netContains(net, ip);
  });
}
