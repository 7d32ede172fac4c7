import { isIPv4, isIPv6 } from 'node:net'

/** An IPv4 address as an unsigned 32-bit number, or undefined when `text` is not dotted-quad. */
export function parseIPv4(text: string): number | undefined {
  if (!isIPv4(text)) return undefined
  return text.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0)
}

/**
 * An IPv6 address (RFC 4291 §2.2 text forms, trailing dotted quad included) as a 128-bit
 * bigint, or undefined when `text` is not IPv6. A zone id (`%eth0`, RFC 4007 §11) is not
 * accepted here: the caller decides what a scoped address means.
 */
export function parseIPv6(text: string): bigint | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined
  let rest = text
  const groups: number[] = []
  const lastColon = rest.lastIndexOf(':')
  const tail = rest.slice(lastColon + 1)
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail)
    if (v4 === undefined) return undefined
    rest = `${rest.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const [head = '', after] = rest.split('::')
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)))
  const left = parse(head)
  const right = after === undefined ? [] : parse(after)
  groups.push(...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right)
  return groups.reduce((sum, group) => (sum << 16n) | BigInt(group), 0n)
}

/** Whether the top `prefix` bits of `address` equal those of `network` (`bits` wide). */
export function inPrefix(address: bigint, network: bigint, prefix: number, bits: number): boolean {
  const shift = BigInt(bits - prefix)
  return address >> shift === network >> shift
}
