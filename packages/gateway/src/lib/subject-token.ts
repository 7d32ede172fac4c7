import { AsyncLocalStorage } from 'node:async_hooks'

// The caller's access token for the duration of one request, read by nothing but the token
// exchange (RFC 8693 `subject_token`). @mandate/server keeps it out of handlers on purpose
// (no passthrough); the gateway needs it once, to trade it at the authorization server.
const current = new AsyncLocalStorage<string>()

/**
 * Runs `run` (the protected handler) with the request's bearer or DPoP access token kept for
 * the token exchange of this request only; never stored, logged or passed upstream.
 */
export function withSubjectToken<T>(request: Request, run: () => T): T {
  const header = request.headers.get('authorization') ?? ''
  const match = /^(?:Bearer|DPoP)\s+([\w.~+/-]+=*)$/i.exec(header.trim())
  return match?.[1] === undefined ? run() : current.run(match[1], run)
}

/** The caller's token inside `withSubjectToken` (RFC 8693 `subject_token`), else undefined. */
export function subjectToken(): string | undefined {
  return current.getStore()
}
