import type { UpstreamOptions } from '../options.ts'
import { callerOrigin } from '../revocation/caller-origin.ts'

/**
 * Whether `upstream` is one stdio process for every user (`transport.shared`; only with a
 * `static` or no credential, checked at configuration time): its session is keyed by the
 * upstream alone and multiplexes the calls of all users (the SDK client matches each answer to
 * its request id). What cannot be attributed to one caller is never relayed: no notification
 * handler is installed on it and no URL elicitation is declared to it. A revocation refuses the
 * caller (the front, and the pool's check on every use) but does not end the process, which holds
 * no credential of any user.
 */
export function isSharedProcess(upstream: UpstreamOptions): boolean {
  return upstream.transport.type === 'stdio' && upstream.transport.shared === true
}

/**
 * The owner a shared process's session is keyed by (a `SessionOwner`, typed by shape so that
 * the pool can import this module): no verified `sub` is empty.
 */
export const SHARED_OWNER: Readonly<{ sub: string; clientId: string }> = Object.freeze({
  sub: '',
  clientId: '',
})

/** The origin a shared session remembers: no caller token, so no revocation event covers it. */
export const SHARED_ORIGIN = callerOrigin(undefined, SHARED_OWNER)
