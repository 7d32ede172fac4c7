import { auditToolCalls, auditUnavailableResponse } from '../audit/mcp-audit.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: every `tools/call` is audited, allowed or denied, before it runs; when the sink fails
 * the call gets 503 and nothing runs (fail closed, docs/audit.md).
 */
export function recordToolCalls(
  call: ProtectedCall,
  { config }: ProtectRuntime,
): Promise<Response | undefined> | undefined {
  if (config.audit === undefined || call.toolCalls.length === 0) return undefined
  return auditToolCalls(config.audit, call.toolCalls, {
    identity: call.identity,
    server: config.resource,
    userAgent: call.request.headers.get('user-agent'),
  }).then((recorded) => (recorded ? undefined : auditUnavailableResponse()))
}
