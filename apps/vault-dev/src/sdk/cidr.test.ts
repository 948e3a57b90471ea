import { describe, expect, it } from 'vitest';
import { addrInCidrs, cidrSubset, ipBelongsToCIDRBlocks, parseSockAddr, validateCIDRList } from './cidr.js';
import { formatIP, parseCIDR, parseIP } from './net.js';

describe('IP parsing and printing like Go', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['fe80::1:2', 'fe80::1:2'],
  ])('%s prints as %s', (input, printed) => {
    const ip = parseIP(input);
    expect(ip).not.toBeNull();
    expect(formatIP(ip!)).toBe(printed);
  });

  it.each(['', '1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', 'abc', '::g'])(
    '%j is not an IP',
    (input) => {
      expect(parseIP(input)).toBeNull();
    },
  );

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/x', '::/129', 'x/8'])(
    'parseCIDR(%j) fails with Go\'s "invalid CIDR address"',
    (input) => {
      expect(() => parseCIDR(input)).toThrow(`invalid CIDR address: ${input}`);
    },
  );

  it('validateCIDRList reports the first bad block', () => {
    expect(validateCIDRList(['10.0.0.0/8', ' 192.168.0.0/16 '])).toBeNull();
    expect(validateCIDRList(['10.0.0.0/8', 'nope', 'x'])).toBe('invalid CIDR address: nope');
    expect(validateCIDRList([])).toBe('missing CIDR blocks that needs validation');
  });
});

describe('CIDR membership and subsets', () => {
  it.each([
    ['10.1.2.3', ['10.0.0.0/8'], true],
    ['11.0.0.1', ['10.0.0.0/8'], false],
    ['11.0.0.1', ['10.0.0.0/8', '11.0.0.0/24'], true],
    ['10.0.0.1', ['10.0.0.1/32'], true],
    ['10.0.0.1', ['0.0.0.0/0'], true],
    ['::1', ['0.0.0.0/0'], false],
    ['10.0.0.1', ['::/0'], false],
    ['::ffff:10.0.0.1', ['10.0.0.0/8'], true],
    ['2001:db8::1', ['2001:db8::/32'], true],
  ])('%s in %j is %s', (ip, cidrs, expected) => {
    expect(ipBelongsToCIDRBlocks(ip, cidrs)).toBe(expected);
  });

  it('a bad address or block throws the Go error', () => {
    expect(() => ipBelongsToCIDRBlocks('x', ['10.0.0.0/8'])).toThrow('invalid IP address');
    expect(() => ipBelongsToCIDRBlocks('10.0.0.1', [])).toThrow('missing CIDR blocks to be checked against');
  });

  it.each([
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['10.0.0.0/16', '10.0.0.0/8', false],
    ['10.0.0.0/8', '11.0.0.0/16', false],
    ['0.0.0.0/0', '192.168.0.0/16', true],
  ])('%s contains %s: %s', (outer, inner, expected) => {
    expect(cidrSubset(outer, inner)).toBe(expected);
  });

  it('a /0 that is not the zero address is not canonical', () => {
    expect(() => cidrSubset('10.0.0.0/0', '10.0.0.0/8')).toThrow(
      'CIDR to be checked against is not in its canonical form',
    );
  });
});

describe('token_bound_cidrs addresses (go-sockaddr)', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['10.0.0.1/32', '10.0.0.1'],
    ['10.1.2.3/8', '10.1.2.3/8'],
    ['::1', '::1'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['2001:db8::1/128', '2001:db8::1'],
  ])('%s is kept as %s', (input, printed) => {
    expect(parseSockAddr(input)).toBe(printed);
  });

  it("anything else is refused with go-sockaddr's text", () => {
    expect(() => parseSockAddr('foo')).toThrow('Unable to convert "foo" to an IPv4 or IPv6 address, or a UNIX Socket');
  });
});

describe('a client address against bound CIDRs (cidrutil.RemoteAddrIsOk)', () => {
  it.each([
    ['127.0.0.1', [], true],
    ['127.0.0.1', ['127.0.0.1'], true],
    ['127.0.0.2', ['127.0.0.1'], false],
    ['::ffff:10.1.2.3', ['10.0.0.0/8'], true],
    ['10.9.9.9', ['10.1.2.3/8'], true],
    ['10.1.2.3', ['192.168.0.0/16', '10.0.0.0/8'], true],
    ['10.1.2.3', ['192.168.0.0/16'], false],
    ['::1', ['::1'], true],
    ['2001:db8::1', ['2001:db8::/32'], true],
    ['10.1.2.3', ['::/0'], false],
    ['not-an-ip', ['0.0.0.0/0'], false],
    ['10.1.2.3', ['nope', '10.0.0.0/8'], true],
  ])('%s in %j: %s', (address, cidrs, expected) => {
    expect(addrInCidrs(address, cidrs)).toBe(expected);
  });
});
