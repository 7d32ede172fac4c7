import { auditToolCalls } from '../audit/mcp-audit.ts'
import { RESUMABLE_STREAM_LIMITS } from '../http/resumable-streams.ts'
import { refusalResponse } from '../http/refusal.ts'
import { denialRefusal } from '../http/scope-gate.ts'
import { withSseRetry } from '../http/sse-retry.ts'
import { toAuthInfo } from '../identity.ts'
import { withScopeChallengeSlot } from '../late-scope-challenge.ts'
import type { ScopeChallengeSlot } from '../late-scope-challenge.ts'
import { holdForLateChallenge } from '../lib/late-challenge.ts'
import { withDpopNonce } from '../lib/response-headers.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import { withTaskRegistry } from '../tasks/run-as-task.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Last step: the SDK serves the call with the verified identity as `authInfo` (its `token` is
 * empty: no passthrough) and the body parsed once by `readJsonBody`. A 2025-11-25 request that
 * the SDK answers on an SSE stream is made resumable (`ResumableStreams`): its work is then tied
 * to the stream's recording, not to the client's connection, within a bounded lifetime.
 */
export async function dispatchToMcp(
  call: ProtectedCall,
  runtime: ProtectRuntime,
): Promise<Response> {
  const { config, mcp } = runtime
  const verified = toAuthInfo(call.identity, new URL(config.resource), config.metadataUrl)
  // Task tools find the registry beside the identity (`runAsTask`).
  const withTasks = withTaskRegistry(verified.extra ?? {}, runtime.tasks, call.revoked)
  // A tool handler may ask for the 403 challenge during the call (`requestScopeChallenge`).
  const { extra, slot } = withScopeChallengeSlot(withTasks)
  const authInfo = { ...verified, extra }
  const options = call.body === undefined ? { authInfo } : { authInfo, parsedBody: call.body }
  const late = lateChallengeable(call, runtime) ? slot : undefined
  const holdSse = config.holdSseForScopeChallenge
  if (!resumable(call)) {
    const answered = await answerOrChallenge(await mcp.fetch(call.request, options), late, holdSse)
    if ('scopes' in answered) return lateChallenge(call, runtime, answered.scopes)
    return withDpopNonce(withSseRetry(answered.response), call.dpopNonce)
  }
  const work = new AbortController()
  const lifetime = setTimeout(() => {
    work.abort()
  }, RESUMABLE_STREAM_LIMITS.maxLifetimeMs)
  lifetime.unref()
  const end = (): void => {
    clearTimeout(lifetime)
  }
  // The body was read by `readJsonBody` and goes as `parsedBody`: only the signal changes.
  const detached = new Request(call.request.url, {
    method: call.request.method,
    headers: call.request.headers,
    signal: work.signal,
  })
  const answered = await answerOrChallenge(await mcp.fetch(detached, options), late, holdSse)
  if ('scopes' in answered) {
    end()
    return lateChallenge(call, runtime, answered.scopes)
  }
  const { response } = answered
  if (!(response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream')) {
    end()
    return withDpopNonce(response, call.dpopNonce)
  }
  const abandon = (): void => {
    work.abort()
  }
  // Like a notification stream, the call ends with a revocation covering its token.
  const authority = {
    revoked: call.revoked,
    onRevocation: (check: () => void) => runtime.revocations?.onEvent(check) ?? (() => undefined),
  }
  const recorded = runtime.resumable.record(response, call.identity, {
    onEnd: end,
    abandon,
    authority,
  })
  return withDpopNonce(recorded, call.dpopNonce)
}

async function answerOrChallenge(
  response: Response,
  slot: ScopeChallengeSlot | undefined,
  holdSse: boolean,
): Promise<{ scopes: readonly string[] } | { response: Response }> {
  return slot === undefined ? { response } : holdForLateChallenge(response, slot, holdSse)
}

/**
 * A tool's demand made before the response started is answered as the scope gate answers one
 * decided before the call: HTTP 403 `insufficient_scope` with the scopes needed plus held
 * (RFC 6750 §3.1; MCP authorization "Runtime Insufficient Scope Errors"). The call was audited
 * as allowed before it ran; the denial is audited too, so the trail shows what the caller got.
 */
async function lateChallenge(
  call: ProtectedCall,
  { config }: ProtectRuntime,
  scopes: readonly string[],
): Promise<Response> {
  const missing = scopes.filter((scope) => !call.identity.scopes.includes(scope))
  const denial = { failure: { kind: 'scope' as const, missing }, requirement: { scopes } }
  if (config.audit !== undefined) {
    // Refused whatever the sink says: nothing more runs for this call.
    await auditToolCalls(
      config.audit,
      call.toolCalls.map((decided) => ({ ...decided, denial })),
      {
        identity: call.identity,
        server: config.resource,
        userAgent: call.request.headers.get('user-agent'),
      },
    )
  }
  return withDpopNonce(
    refusalResponse(config.challenge, denialRefusal(denial, call.identity)),
    call.dpopNonce,
  )
}

/**
 * Only one `tools/call` in the body can be answered by a challenge (a batch answers several
 * calls at once); in unauthenticated test mode there is no token to step up.
 */
function lateChallengeable(call: ProtectedCall, { config }: ProtectRuntime): boolean {
  const body = call.body as { method?: unknown } | undefined
  return (
    !config.testMode && body !== undefined && !Array.isArray(body) && body.method === 'tools/call'
  )
}

/**
 * A `POST` of one JSON-RPC request at protocol 2025-11-25: the version that defines priming
 * events (clients before it may not expect an event with empty data).
 */
function resumable(call: ProtectedCall): boolean {
  const body = call.body as { id?: unknown; method?: unknown } | undefined
  return (
    call.request.method === 'POST' &&
    call.request.headers.get('mcp-protocol-version') === '2025-11-25' &&
    body !== undefined &&
    !Array.isArray(body) &&
    typeof body.method === 'string' &&
    body.id !== undefined
  )
}
