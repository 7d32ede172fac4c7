import { JSONRPC_ERROR } from '@mandate/core'
import { jsonRpcErrorResponse } from '../http/challenges.ts'
import { ResumableStreams } from '../http/resumable-streams.ts'
import { withDpopNonce } from '../lib/response-headers.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: a `GET` with a `Last-Event-ID` given on one of this endpoint's POST streams resumes that
 * stream for the same user and client (MCP 2025-11-25 Streamable HTTP "Resumability and
 * Redelivery"); an unknown, expired or foreign id is 404, the same for each. Other `GET`s go on.
 */
export function resumeStream(
  call: ProtectedCall,
  { resumable, revocations }: ProtectRuntime,
): Response | undefined {
  const lastEventId = call.request.headers.get('last-event-id')?.trim()
  if (call.request.method !== 'GET' || lastEventId === undefined) return undefined
  if (!ResumableStreams.owns(lastEventId)) return undefined
  // It ends on a revocation covering the token, as a notification stream does.
  const resumed = resumable.resume(lastEventId, call.identity, call.request.signal, {
    revoked: call.revoked,
    onRevocation: (check) => revocations?.onEvent(check) ?? (() => undefined),
  })
  return resumed === undefined
    ? jsonRpcErrorResponse(404, JSONRPC_ERROR.invalidRequest, 'unknown or expired event id')
    : withDpopNonce(resumed, call.dpopNonce)
}
