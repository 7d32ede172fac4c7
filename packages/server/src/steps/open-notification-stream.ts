import { JSONRPC_ERROR } from '@mandate/core'
import { jsonRpcErrorResponse } from '../http/challenges.ts'
import type { StreamAuthority } from '../http/notification-stream.ts'
import { withDpopNonce } from '../lib/response-headers.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: a 2025-11-25 `GET` opens the caller's standalone SSE stream (when `notifications` is
 * configured); it ends with the token's expiry or revocation. 2026-07-28 removed that stream:
 * such a `GET` goes on to the SDK.
 */
export function openNotificationStream(
  call: ProtectedCall,
  { streams, revocations }: ProtectRuntime,
): Response | undefined {
  const { request } = call
  if (request.method !== 'GET' || streams === undefined || isModernGet(request)) return undefined
  if (!/\btext\/event-stream\b/i.test(request.headers.get('accept') ?? '')) {
    return jsonRpcErrorResponse(406, JSONRPC_ERROR.invalidRequest, 'accept text/event-stream')
  }
  const authority: StreamAuthority = {
    revoked: call.revoked,
    onRevocation: (check) => revocations?.onEvent(check) ?? (() => undefined),
  }
  return withDpopNonce(streams.open(request, call.identity, authority), call.dpopNonce)
}

function isModernGet(request: Request): boolean {
  const version = request.headers.get('mcp-protocol-version')
  return version !== null && version >= '2026-07-28'
}
