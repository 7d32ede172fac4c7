import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: asks the scope gate, once, about every `tools/call` of the body (batches message by
 * message); the audit records and enforcement refuses from these same decisions.
 */
export function decideToolCalls(call: ProtectedCall, { gate }: ProtectRuntime): undefined {
  if (call.body === undefined) return undefined
  const messages: unknown[] = Array.isArray(call.body) ? call.body : [call.body]
  const decisions = []
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue
    const { method, params } = message as { method?: unknown; params?: unknown }
    if (method !== 'tools/call' || typeof params !== 'object' || params === null) continue
    const { name, arguments: args } = params as { name?: unknown; arguments?: unknown }
    if (typeof name !== 'string') continue
    decisions.push({ name, args, denial: gate.tool(name, call.identity) })
  }
  call.toolCalls = decisions
  return undefined
}
