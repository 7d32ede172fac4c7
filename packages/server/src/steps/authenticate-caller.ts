import { auditRefusal } from '../audit/mcp-audit.ts'
import type { ProtectConfig } from '../config/resolve-protect-config.ts'
import type { AuthSettings } from '../http/auth-settings.ts'
import { authenticate } from '../http/authenticate.ts'
import { refusalReason } from '../http/refusal.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: the token, its revocation state and its DPoP proof (see `authenticate`). A refusal is
 * audited with its reason; the client gets a challenge with a generic description. In
 * unauthenticated test mode the caller stays the anonymous one.
 */
export function authenticateCaller(
  call: ProtectedCall,
  { auth, config }: ProtectRuntime,
): Promise<Response | undefined> | undefined {
  if (auth === undefined) return undefined
  return authenticateWith(call, auth, config)
}

async function authenticateWith(
  call: ProtectedCall,
  auth: AuthSettings,
  config: ProtectConfig,
): Promise<Response | undefined> {
  const result = await authenticate(call.request, auth)
  if ('refusal' in result) {
    const { request } = call
    const refused = { request, response: result.response, reason: refusalReason(result.refusal) }
    return auditRefusal(config.audit, refused, config.resource, undefined)
  }
  call.identity = result.identity
  call.dpopNonce = result.dpopNonce
  call.revoked = result.revoked
  return undefined
}
