import { MandateError } from '../errors.ts'

/** Stable codes of the SSRF-safe fetch (catalogue #135, #136, #137). */
export type NetErrorCode =
  'ERR_NET_BLOCKED' | 'ERR_NET_RESPONSE_TOO_LARGE' | 'ERR_NET_TIMEOUT' | 'ERR_NET_UNRESOLVABLE'

/** Raised by {@link createSsrfSafeFetch}; the message names the reason, never the URL's query. */
export class NetError extends MandateError<NetErrorCode> {}
