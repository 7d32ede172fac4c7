import type { McpIdentity } from '../identity.ts'
import { evaluateRequirement } from '../tools.ts'
import type { ToolRequirement } from '../tools.ts'
import { challengeResponse } from './challenges.ts'
import type { ChallengeContext } from './challenges.ts'

/**
 * Enforces per-tool requirements on `tools/call` at the HTTP layer, before the MCP server runs,
 * so the client receives a real 403/401 challenge it can step up from (MCP authorization
 * "Runtime Insufficient Scope Errors"; RFC 9470 §3). Batches are checked message by message.
 */
export function enforceToolRequirements(
  body: object,
  requirements: ReadonlyMap<string, ToolRequirement>,
  identity: McpIdentity,
  challenge: ChallengeContext,
): Response | undefined {
  if (requirements.size === 0) return undefined
  const messages: unknown[] = Array.isArray(body) ? body : [body]
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue
    const { method, params } = message as { method?: unknown; params?: unknown }
    if (method !== 'tools/call' || typeof params !== 'object' || params === null) continue
    const name = (params as { name?: unknown }).name
    if (typeof name !== 'string') continue
    const failure = evaluateRequirement(requirements.get(name), identity)
    if (failure === undefined) continue
    if (failure.kind === 'scope') {
      // All scopes for this operation in one challenge, plus those held, so that a client that
      // re-authorises with exactly this set loses nothing (catalogue #94, #96).
      return challengeResponse(challenge, {
        status: 403,
        error: 'insufficient_scope',
        description: 'this tool needs more scopes',
        scopes: [...new Set([...identity.scopes, ...(requirements.get(name)?.scopes ?? [])])],
      })
    }
    return challengeResponse(challenge, {
      status: 401,
      error: 'insufficient_user_authentication',
      description:
        failure.kind === 'acr'
          ? 'this tool needs a stronger authentication'
          : 'this tool needs a recent authentication',
      scopes: [...identity.scopes],
      ...(failure.acr === undefined ? {} : { acrValues: failure.acr }),
      ...(failure.maxAgeSeconds === undefined ? {} : { maxAge: failure.maxAgeSeconds }),
    })
  }
  return undefined
}
