import { refusalResponse } from '../http/refusal.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: a token in the URI leaks into logs and histories (RFC 6750 §5.3, catalogue #92, #173):
 * 400 `invalid_request`, whatever the token.
 */
export function refuseTokenInQuery(
  call: ProtectedCall,
  { config }: ProtectRuntime,
): Response | undefined {
  if (!call.url.searchParams.has('access_token')) return undefined
  return refusalResponse(config.challenge, {
    status: 400,
    error: 'invalid_request',
    reason: 'token in query',
  })
}
