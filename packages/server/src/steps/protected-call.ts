import type { ToolCallDecision } from '../audit/mcp-audit.ts'
import type { McpIdentity } from '../identity.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'

/** One request to the MCP endpoint as the steps see it; each step adds what it established. */
export interface ProtectedCall {
  readonly request: Request
  readonly url: URL
  /** The verified caller (the anonymous one in unauthenticated test mode). */
  identity: McpIdentity
  /** A fresh DPoP nonce for the answer (RFC 9449 §9), when nonces are on. */
  dpopNonce: string | undefined
  /** Whether the caller's token was revoked since it was verified. */
  revoked: () => boolean
  /** The parsed JSON-RPC body of a `POST`. */
  body: object | undefined
  /** The scope gate's decision on each `tools/call` of the body. */
  toolCalls: readonly ToolCallDecision[]
}

/**
 * One named step of a call (as node-oidc-provider composes its endpoints): it answers, which
 * ends the call, or returns `undefined` to hand the call to the next step.
 */
export type CallStep = (
  call: ProtectedCall,
  runtime: ProtectRuntime,
) => Response | undefined | Promise<Response | undefined>

/**
 * Runs `steps` in order until one answers; the last step must always answer. A step that
 * decides at once is not awaited: most steps pass most calls on without any I/O.
 */
export async function runCallSteps(
  steps: readonly CallStep[],
  call: ProtectedCall,
  runtime: ProtectRuntime,
): Promise<Response> {
  for (const step of steps) {
    const outcome = step(call, runtime)
    const answer = outcome instanceof Promise ? await outcome : outcome
    if (answer !== undefined) return answer
  }
  throw new Error('no step answered the call')
}
