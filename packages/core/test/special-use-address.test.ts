// The address classifier behind the SSRF-safe fetch, range by range (catalogue #135). Issue 11
// defect 1: an IPv6 rule for `::ffff:0:0/96` once matched every IPv4 address, and nothing
// checked that a public address passes; the public table below is the positive control.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { isLoopbackAddress, isSpecialUseAddress } from '../src/net/special-use-address.ts'

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates), plus multicast.
const IPV4_RANGES: [string, string, number][] = [
  ['this network', '0.0.0.0', 8],
  ['RFC 1918 10/8', '10.0.0.0', 8],
  ['CGNAT', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  ['link-local (metadata)', '169.254.0.0', 16],
  ['RFC 1918 172.16/12', '172.16.0.0', 12],
  ['IETF protocol assignments', '192.0.0.0', 24],
  ['TEST-NET-1', '192.0.2.0', 24],
  ['AS112-v4', '192.31.196.0', 24],
  ['AMT', '192.52.193.0', 24],
  ['6to4 relay anycast', '192.88.99.0', 24],
  ['RFC 1918 192.168/16', '192.168.0.0', 16],
  ['direct delegation AS112', '192.175.48.0', 24],
  ['benchmarking', '198.18.0.0', 15],
  ['TEST-NET-2', '198.51.100.0', 24],
  ['TEST-NET-3', '203.0.113.0', 24],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4],
  ['limited broadcast', '255.255.255.255', 32],
]

const toInt = (ip: string) => ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0)
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.')
const firstMiddleLast = (net: string, prefix: number): string[] => {
  const first = toInt(net)
  const size = 2 ** (32 - prefix)
  return [toIp(first), toIp(first + Math.floor(size / 2)), toIp(first + size - 1)]
}

// IANA IPv6 Special-Purpose Address Registry and the other non-global ranges: first, middle
// and last address of each.
const IPV6_RANGES: [string, string[]][] = [
  ['unspecified / IPv4-compatible ::/96', ['::', '::7f00:1', '::ffff:ffff']],
  ['loopback ::1', ['::1', '0:0:0:0:0:0:0:1']],
  [
    'local-use NAT64 64:ff9b:1::/48',
    ['64:ff9b:1::', '64:ff9b:1:8000::1', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'],
  ],
  ['discard-only 100::/64', ['100::', '100::8000:0:0:1', '100::ffff:ffff:ffff:ffff']],
  [
    'dummy prefix 100:0:0:1::/64',
    ['100:0:0:1::', '100:0:0:1:8000::', '100:0:0:1:ffff:ffff:ffff:ffff'],
  ],
  [
    'IETF protocol assignments 2001::/23',
    ['2001::', '2001:100::', '2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ],
  [
    'Teredo 2001::/32',
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:0:ffff:ffff:ffff:ffff:ffff:ffff'],
  ],
  [
    'benchmarking 2001:2::/48',
    ['2001:2::', '2001:2:0:8000::1', '2001:2:0:ffff:ffff:ffff:ffff:ffff'],
  ],
  ['ORCHID 2001:10::/28', ['2001:10::', '2001:18::1', '2001:1f:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['ORCHIDv2 2001:20::/28', ['2001:20::', '2001:28::1', '2001:2f:ffff:ffff:ffff:ffff:ffff:ffff']],
  [
    'documentation 2001:db8::/32',
    ['2001:db8::', '2001:db8:8000::1', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'],
  ],
  ['6to4 2002::/16', ['2002::', '2002:a9fe:a9fe::1', '2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  [
    'AS112 2620:4f:8000::/48',
    ['2620:4f:8000::', '2620:4f:8000:8000::1', '2620:4f:8000:ffff:ffff:ffff:ffff:ffff'],
  ],
  ['documentation 3fff::/20', ['3fff::', '3fff:800::1', '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['SRv6 SIDs 5f00::/16', ['5f00::', '5f00:8000::1', '5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['unique local fc00::/7', ['fc00::', 'fd12:3456::1', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['link-local fe80::/10', ['fe80::', 'fe80::1', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['site-local fec0::/10', ['fec0::', 'fed0::1', 'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['multicast ff00::/8', ['ff00::', 'ff02::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  [
    'outside global unicast 2000::/3',
    ['1::', '1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '4000::1', 'e000::1'],
  ],
  [
    'IPv4-mapped special IPv4',
    [
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '::ffff:10.0.0.1',
      '::ffff:0.0.0.0',
      '::ffff:255.255.255.255',
      '::FFFF:192.168.0.1',
    ],
  ],
  [
    'NAT64 64:ff9b::/96 of special IPv4',
    ['64:ff9b::127.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b::10.0.0.1'],
  ],
  ['IPv4-compatible of any IPv4 (refused outright)', ['::8.8.8.8', '::127.0.0.1', '::a9fe:a9fe']],
  ['scoped (zone id)', ['fe80::1%eth0', '2606:4700:4700::1111%1']],
]

const PUBLIC = [
  '8.8.8.8',
  '140.82.112.6',
  '1.1.1.1',
  '151.101.1.69',
  '2606:4700:4700::1111',
  '2a00:1450:4001:81c::200e',
  '2001:4860:4860::8888',
  // Just outside the neighbouring special-use ranges.
  '9.255.255.255',
  '11.0.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '126.255.255.255',
  '128.0.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '2001:200::1',
  '2001:db7:ffff::1',
  '2001:db9::1',
  '2003::1',
]

void describe('isSpecialUseAddress', () => {
  void test('issue 11 #1: public IPv4 and IPv6 addresses are allowed (positive control)', () => {
    const refused = PUBLIC.filter((address) => isSpecialUseAddress(address))
    assert.deepEqual(refused, [])
  })

  for (const [name, net, prefix] of IPV4_RANGES) {
    void test(`catalogue #135: refuses IPv4 ${name} ${net}/${String(prefix)} (first, middle, last)`, () => {
      for (const address of firstMiddleLast(net, prefix)) {
        assert.equal(isSpecialUseAddress(address), true, address)
        // The same address IPv4-mapped, in both spellings, is refused too.
        assert.equal(isSpecialUseAddress(`::ffff:${address}`), true, `::ffff:${address}`)
        const hex = (toInt(address) >>> 0).toString(16).padStart(8, '0')
        const mapped = `::ffff:${hex.slice(0, 4)}:${hex.slice(4)}`
        assert.equal(isSpecialUseAddress(mapped), true, mapped)
      }
    })
  }

  for (const [name, addresses] of IPV6_RANGES) {
    void test(`catalogue #135: refuses IPv6 ${name}`, () => {
      const allowed = addresses.filter((address) => !isSpecialUseAddress(address))
      assert.deepEqual(allowed, [])
    })
  }

  void test('an IPv4-mapped or NAT64 (64:ff9b::/96) form of a public IPv4 is judged by that IPv4', () => {
    for (const address of [
      '::ffff:8.8.8.8',
      '::ffff:808:808',
      '::ffff:140.82.112.6',
      '64:ff9b::8.8.8.8',
      '64:ff9b::101:101',
    ]) {
      assert.equal(isSpecialUseAddress(address), false, address)
    }
  })

  void test('anything that is not an IP literal counts as special-use', () => {
    for (const value of [
      'localhost',
      'example.com',
      '',
      '0177.0.0.1',
      '2130706433',
      '[::1]',
      '1.2.3',
    ]) {
      assert.equal(isSpecialUseAddress(value), true, value)
    }
  })
})

void describe('isLoopbackAddress', () => {
  void test('plain loopback only: 127.0.0.0/8 and ::1', () => {
    for (const address of ['127.0.0.1', '127.0.0.0', '127.255.255.255', '::1', '0:0:0:0:0:0:0:1']) {
      assert.equal(isLoopbackAddress(address), true, address)
    }
  })

  void test('not the IPv4-mapped forms, not other special-use or public addresses', () => {
    for (const address of [
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::127.0.0.1',
      '::',
      '::2',
      '128.0.0.1',
      '126.255.255.255',
      '10.0.0.1',
      '8.8.8.8',
      'localhost',
      'fe80::1%lo',
    ]) {
      assert.equal(isLoopbackAddress(address), false, address)
    }
  })
})
