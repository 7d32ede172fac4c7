import { BlockList, isIPv4, isIPv6 } from 'node:net'

// Special-use ranges an outbound fetch must never reach (catalogue #135; RFC 6890 registries):
// this network, RFC 1918, CGNAT, loopback, link-local (IMDS 169.254.169.254), IETF protocol
// assignments, documentation, benchmarking, 6to4 relay, multicast, reserved and broadcast.
const special = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  special.addSubnet(net, prefix, 'ipv4')
}
// IPv6: unspecified, loopback, IPv4-compatible (::/96) and IPv4-mapped, NAT64 (RFC 6052, RFC 8215),
// discard-only, Teredo, documentation, 6to4, ULA, link-local and multicast. Forms that embed an
// IPv4 address are refused outright rather than judged by the embedded address.
for (const [net, prefix] of [
  ['::', 96],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  special.addSubnet(net, prefix, 'ipv6')
}
const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')

/** Whether `address` (an IP literal) is special-use; anything that is not an IP literal counts. */
export function isSpecialUseAddress(address: string): boolean {
  if (isIPv4(address)) return special.check(address, 'ipv4')
  if (isIPv6(address)) return special.check(address, 'ipv6')
  return true
}

/** Whether `address` is plain loopback: `127.0.0.0/8` or `::1` (not the IPv4-mapped forms). */
export function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return loopback.check(address, 'ipv4')
  if (isIPv6(address)) return loopback.check(address, 'ipv6')
  return false
}
