import { BlockList, isIPv4, isIPv6 } from 'node:net'

// Ranges a discovery fetch must never reach (catalogue #135): loopback, RFC 1918, link-local
// (IMDS), CGNAT, ULA, multicast, reserved, documentation, and IPv6 forms that embed IPv4
// (mapped, NAT64, 6to4, Teredo) which are checked through the embedded address.
const blocked = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['2001::', 32],
  ['2002::', 16],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['::ffff:0:0', 96],
  ['::', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6')
}

/** Whether `address` (a literal IP) is a globally routable unicast address. */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !blocked.check(address, 'ipv4')
  if (isIPv6(address)) return !blocked.check(address, 'ipv6')
  return false
}
