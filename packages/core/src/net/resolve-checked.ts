import { isIP } from 'node:net'

import { NetError } from './net-error.ts'
import { isLoopbackAddress, isSpecialUseAddress } from './special-use-address.ts'

/** Resolves a host name to every address it has (IP literals as strings). */
export type Resolver = (hostname: string) => Promise<readonly string[]>

/** Which special-use addresses a resolution may return (catalogue #135). */
export interface AddressPolicy {
  /** Plain loopback (`127.0.0.0/8`, `::1`) passes; every other special-use address is refused. */
  allowLoopback: boolean
  /** The operator allow-listed this host: its addresses are not classified. */
  allowAll: boolean
}

/**
 * Resolves `host` once and classifies EVERY answer before any connection (catalogue #135,
 * #136): one special-use address among public ones refuses the whole request, since a mixed
 * answer is how DNS rebinding picks the address a client ends up using. Returns the address
 * to pin the connection to.
 */
export async function resolveChecked(
  host: string,
  resolve: Resolver,
  policy: AddressPolicy,
): Promise<string> {
  let addresses: readonly string[]
  if (isIP(host) !== 0) {
    addresses = [host]
  } else {
    try {
      addresses = await resolve(host)
    } catch (error) {
      throw new NetError('ERR_NET_UNRESOLVABLE', 'host does not resolve', { cause: error })
    }
  }
  const [first] = addresses
  if (first === undefined) throw new NetError('ERR_NET_UNRESOLVABLE', 'host does not resolve')
  for (const address of addresses) {
    if (isIP(address) === 0) throw new NetError('ERR_NET_BLOCKED', 'resolver returned a non-ip')
    if (policy.allowAll || (policy.allowLoopback && isLoopbackAddress(address))) continue
    if (isSpecialUseAddress(address)) {
      throw new NetError('ERR_NET_BLOCKED', 'special-use address refused')
    }
  }
  return first
}
