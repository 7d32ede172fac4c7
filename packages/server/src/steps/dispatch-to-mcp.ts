import { RESUMABLE_STREAM_LIMITS } from '../http/resumable-streams.ts'
import { withSseRetry } from '../http/sse-retry.ts'
import { toAuthInfo } from '../identity.ts'
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
  const extra = withTaskRegistry(verified.extra ?? {}, runtime.tasks, call.revoked)
  const authInfo = { ...verified, extra }
  const options = call.body === undefined ? { authInfo } : { authInfo, parsedBody: call.body }
  if (!resumable(call)) {
    const response = await mcp.fetch(call.request, options)
    return withDpopNonce(withSseRetry(response), call.dpopNonce)
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
  const response = await mcp.fetch(detached, options)
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
