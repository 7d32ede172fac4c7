import { AsyncLocalStorage } from 'node:async_hooks'

// The caller's access token for the duration of one request, read by nothing but the token
// exchange (RFC 8693 `subject_token`) and what names that token for revocation. @mandate/server
// keeps it out of handlers on purpose (no passthrough); the gateway needs it once, to trade it
// at the authorization server.
interface RequestScope {
  readonly token: string
  /** Values derived from the token, kept for this request only (never beyond it). */
  readonly kept: Map<symbol, unknown>
}
const current = new AsyncLocalStorage<RequestScope>()

/**
 * Runs `run` (the protected handler) with the request's bearer or DPoP access token kept for
 * the token exchange of this request only; never stored, logged or passed upstream.
 */
export function withSubjectToken<T>(request: Request, run: () => T): T {
  const header = request.headers.get('authorization') ?? ''
  const match = /^(?:Bearer|DPoP)\s+([\w.~+/-]+=*)$/i.exec(header.trim())
  return match?.[1] === undefined ? run() : current.run({ token: match[1], kept: new Map() }, run)
}

/** The caller's token inside `withSubjectToken` (RFC 8693 `subject_token`), else undefined. */
export function subjectToken(): string | undefined {
  return current.getStore()?.token
}

/**
 * What `derive` gives for this request's token, computed once per request under `slot`; outside
 * `withSubjectToken` (no token), computed every time. Nothing outlives the request.
 */
export function keptForRequest<T>(slot: symbol, derive: () => T): T {
  const scope = current.getStore()
  if (scope === undefined) return derive()
  if (scope.kept.has(slot)) return scope.kept.get(slot) as T
  const value = derive()
  scope.kept.set(slot, value)
  return value
}
