import { refusalResponse } from '../http/refusal.ts'
import { denialRefusal } from '../http/scope-gate.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: the first denied `tools/call` is refused at the HTTP layer, before the MCP server runs,
 * so that the client gets a real 403/401 challenge it can step up from (MCP authorization
 * "Runtime Insufficient Scope Errors"; RFC 9470 §3). Already audited as a denied tool call.
 */
export function enforceToolRequirements(
  call: ProtectedCall,
  { config }: ProtectRuntime,
): Response | undefined {
  for (const { denial } of call.toolCalls) {
    if (denial !== undefined) {
      return refusalResponse(config.challenge, denialRefusal(denial, call.identity))
    }
  }
  return undefined
}
