/**
 * `@mandate/core/node`: the parts of core that need Node's DNS and sockets (`node:dns`,
 * `node:http`, `node:https`, `node:net`, `node:tls`). The main entry stays free of them, so code
 * that only needs wire types, URL policy or the logger does not pull in the network stack.
 *
 * @example
 * ```ts
 * import { createSsrfSafeFetch, NetError } from '@mandate/core/node'
 *
 * const safeFetch = createSsrfSafeFetch({ timeoutMs: 5000 })
 * try {
 *   const response = await safeFetch('https://client.example.com/metadata.json')
 * } catch (error) {
 *   if (error instanceof NetError && error.code === 'ERR_NET_BLOCKED') {
 *     // the name resolved to a private, loopback or other special-use address
 *   }
 * }
 * ```
 *
 * @packageDocumentation
 */

export { createSsrfSafeFetch } from './net/ssrf-safe-fetch.ts'
export type { SsrfSafeFetch, SsrfSafeFetchOptions, Resolver } from './net/ssrf-safe-fetch.ts'
export { NetError } from './net/net-error.ts'
export type { NetErrorCode } from './net/net-error.ts'
export { isLoopbackAddress, isSpecialUseAddress } from './net/special-use-address.ts'
