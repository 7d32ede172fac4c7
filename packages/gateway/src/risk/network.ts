import { isIPv4, isIPv6 } from 'node:net'

/**
 * The network a source address belongs to, for the `risk.new_network` signal: the /24 of an
 * IPv4 address (also when IPv4-mapped, `::ffff:a.b.c.d`), the /56 of an IPv6 address (a
 * typical customer allocation, RFC 6177). Undefined for anything that is not an address.
 */
export function networkOf(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  const ip = mapped ?? address
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`
  if (!isIPv6(ip)) return undefined
  const groups = expandIPv6(ip.replace(/%.*$/, ''))
  if (groups === undefined) return undefined
  // 56 bits: three full groups and the high byte of the fourth.
  const fourth = (parseInt(groups[3] ?? '0', 16) & 0xff00).toString(16)
  return `${[...groups.slice(0, 3), fourth].join(':')}::/56`
}

function expandIPv6(ip: string): string[] | undefined {
  if (ip.includes('.')) return undefined // IPv4-suffixed forms other than mapped: not needed
  const [head = '', tail] = ip.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const missing = 8 - left.length - right.length
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined
  return [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map(
    (g) => parseInt(g, 16).toString(16),
  )
}
