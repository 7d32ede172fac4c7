import { inPrefix, parseIPv4, parseIPv6 } from './ip-address.ts'

// Every entry of the IANA IPv4 Special-Purpose Address Registry (RFC 6890 and its updates),
// plus multicast; an outbound fetch must reach none of them (catalogue #135). Entries IANA marks
// "globally reachable" (AS112, AMT, PCP/TURN anycast) are refused too: none is an HTTP origin.
const IPV4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network", RFC 791
  ['10.0.0.0', 8], // private-use, RFC 1918
  ['100.64.0.0', 10], // shared address space (CGNAT), RFC 6598
  ['127.0.0.0', 8], // loopback, RFC 1122
  ['169.254.0.0', 16], // link-local (cloud metadata 169.254.169.254), RFC 3927
  ['172.16.0.0', 12], // private-use, RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments (DS-Lite, NAT64 discovery), RFC 6890
  ['192.0.2.0', 24], // documentation TEST-NET-1, RFC 5737
  ['192.31.196.0', 24], // AS112-v4, RFC 7535
  ['192.52.193.0', 24], // AMT, RFC 7450
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast, RFC 7526
  ['192.168.0.0', 16], // private-use, RFC 1918
  ['192.175.48.0', 24], // direct delegation AS112, RFC 7534
  ['198.18.0.0', 15], // benchmarking, RFC 2544
  ['198.51.100.0', 24], // documentation TEST-NET-2, RFC 5737
  ['203.0.113.0', 24], // documentation TEST-NET-3, RFC 5737
  ['224.0.0.0', 4], // multicast, RFC 5771
  ['240.0.0.0', 4], // reserved, RFC 1112 §4 (includes broadcast 255.255.255.255, RFC 919)
]

// The IANA IPv6 Special-Purpose Address Registry and the other non-global ranges. Forms that
// embed an IPv4 address are refused outright here (IPv4-compatible ::/96, 6to4 2002::/16,
// Teredo 2001::/32 inside 2001::/23, local-use NAT64 64:ff9b:1::/48), except the two below.
const IPV6: readonly (readonly [string, number])[] = [
  ['::', 96], // unspecified, loopback and deprecated IPv4-compatible, RFC 4291 §2.5.2–§2.5.5.1
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation, RFC 8215
  ['100::', 64], // discard-only, RFC 6666
  ['100:0:0:1::', 64], // dummy prefix, RFC 9780
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID, AMT…, RFC 2928
  ['2001:db8::', 32], // documentation, RFC 3849
  ['2002::', 16], // 6to4, RFC 3056 (deprecated relays, RFC 7526)
  ['2620:4f:8000::', 48], // direct delegation AS112, RFC 7534
  ['3fff::', 20], // documentation, RFC 9637
  ['5f00::', 16], // segment routing (SRv6) SIDs, RFC 9602
  ['fc00::', 7], // unique local, RFC 4193
  ['fe80::', 10], // link-local, RFC 4291 §2.5.6
  ['fec0::', 10], // deprecated site-local, RFC 3879
  ['ff00::', 8], // multicast, RFC 4291 §2.7
]
// Only 2000::/3 is allocated as global unicast (RFC 4291 §2.4, IANA IPv6 Address Space); the
// rest is reserved by the IETF, so anything outside it is refused as well.
const GLOBAL_UNICAST = parseIPv6('2000::') as bigint
// Classified by the IPv4 address they carry: IPv4-mapped (RFC 4291 §2.5.5.2), which a
// dual-stack socket connects to as that IPv4 address, and the NAT64 well-known prefix, which
// RFC 6052 §3.1 reserves for global IPv4 addresses (DNS64 answers on IPv6-only networks).
const EMBEDDING: readonly (readonly [string, number])[] = [
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
]

const v4 = IPV4.map(([net, prefix]) => [BigInt(parseIPv4(net) as number), prefix] as const)
const v6 = IPV6.map(([net, prefix]) => [parseIPv6(net) as bigint, prefix] as const)
const embedding = EMBEDDING.map(([net, prefix]) => [parseIPv6(net) as bigint, prefix] as const)
const LOOPBACK_V4 = BigInt(parseIPv4('127.0.0.0') as number)

function isSpecialIPv4(address: bigint): boolean {
  return v4.some(([net, prefix]) => inPrefix(address, net, prefix, 32))
}

/**
 * Whether `address` (an IP literal) is special-use: IPv4 input is judged only against the IPv4
 * registry, IPv6 input against the IPv6 one (an IPv4-mapped or NAT64 form by its embedded IPv4
 * address). Anything that is not an IP literal, a zone id included, counts as special-use.
 */
export function isSpecialUseAddress(address: string): boolean {
  const four = parseIPv4(address)
  if (four !== undefined) return isSpecialIPv4(BigInt(four))
  const six = parseIPv6(address)
  if (six === undefined) return true
  if (embedding.some(([net, prefix]) => inPrefix(six, net, prefix, 128))) {
    return isSpecialIPv4(six & 0xffffffffn)
  }
  if (!inPrefix(six, GLOBAL_UNICAST, 3, 128)) return true
  return v6.some(([net, prefix]) => inPrefix(six, net, prefix, 128))
}

/** Whether `address` is plain loopback: `127.0.0.0/8` or `::1` (not the IPv4-mapped forms). */
export function isLoopbackAddress(address: string): boolean {
  const four = parseIPv4(address)
  if (four !== undefined) return inPrefix(BigInt(four), LOOPBACK_V4, 8, 32)
  return parseIPv6(address) === 1n
}
