import { auditRefusal } from '../audit/mcp-audit.ts'
import { refusalReason, refusalResponse } from '../http/refusal.ts'
import { denialRefusal } from '../http/scope-gate.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: the scopes every request needs (`requiredScopes`), asked of the scope gate: 403
 * `insufficient_scope` naming held and needed scopes, audited as a refused request.
 */
export function requireScopes(
  call: ProtectedCall,
  { config, gate }: ProtectRuntime,
): Promise<Response> | undefined {
  const denial = gate.endpoint(call.identity)
  if (denial === undefined) return undefined
  const refusal = denialRefusal(denial, call.identity)
  const response = refusalResponse(config.challenge, refusal)
  const refused = { request: call.request, response, reason: refusalReason(refusal) }
  return auditRefusal(config.audit, refused, config.resource, call.identity)
}
