/**
 * CIDR membership for bound-CIDR checks (tokens, SecretIDs, roles), using
 * node's BlockList so IPv4, IPv6 and IPv4-mapped IPv6 peers all work.
 */
import { BlockList, isIP } from 'node:net';

const cache = new Map<string, BlockList>();

function blockListOf(cidrs: readonly string[]): BlockList {
  const key = cidrs.join(',');
  let list = cache.get(key);
  if (!list) {
    list = new BlockList();
    for (const cidr of cidrs) {
      const [addr = '', bits] = cidr.trim().split('/');
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(addr, family);
      else list.addSubnet(addr, Number(bits), family);
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, list);
  }
  return list;
}

/** Whether `address` (as node reports a peer, possibly `::ffff:a.b.c.d`) is inside any of `cidrs`. */
export function addrInCidrs(address: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const addr = mapped ? (mapped[1] as string) : address;
  const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(addr) === 0) return false;
  return blockListOf(cidrs).check(addr, family);
}

/** Whether a string is a valid CIDR block or address. */
export function isValidCidr(cidr: string): boolean {
  const [addr = '', bits, extra] = cidr.trim().split('/');
  if (extra !== undefined) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
