import { JsonBoundsError, JSONRPC_ERROR, parseJsonBounded } from '@mandate/core'
import type { ProtectConfig } from '../config/resolve-protect-config.ts'
import { jsonRpcErrorResponse } from '../http/challenges.ts'
import { readBodyLimited } from '../lib/read-body.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Step: a `POST` body must be JSON (415), within `maxBodyBytes` (413) and `maxJsonDepth`, and a
 * JSON-RPC object or batch (400) before anything walks it; it is parsed once, here.
 */
export function readJsonBody(
  call: ProtectedCall,
  { config }: ProtectRuntime,
): Response | undefined | Promise<Response | undefined> {
  const { request } = call
  if (request.method !== 'POST') return undefined
  if (!/^application\/json\s*(;|$)/i.test(request.headers.get('content-type') ?? '')) {
    return jsonRpcErrorResponse(
      415,
      JSONRPC_ERROR.invalidRequest,
      'content-type must be application/json',
    )
  }
  const bytes = readBodyLimited(request, config.maxBodyBytes)
  if (bytes instanceof Promise) return bytes.then((read) => takeBody(call, read, config))
  return takeBody(call, bytes, config)
}

function takeBody(
  call: ProtectedCall,
  bytes: Uint8Array | undefined,
  config: ProtectConfig,
): Response | undefined {
  if (bytes === undefined) {
    return jsonRpcErrorResponse(413, JSONRPC_ERROR.invalidRequest, 'request body too large')
  }
  const parsed = parseBody(bytes, config.maxBodyBytes, config.maxJsonDepth)
  if (parsed instanceof Response) return parsed
  call.body = parsed
  return undefined
}

function parseBody(bytes: Uint8Array, maxBytes: number, maxDepth: number): object | Response {
  let body: unknown
  try {
    body = parseJsonBounded(bytes, { maxBytes, maxDepth })
  } catch (error) {
    // JSON-RPC 2.0 §5.1: not JSON is a parse error; JSON beyond our bounds, an invalid request.
    if (error instanceof JsonBoundsError && error.code === 'ERR_JSON_TOO_DEEP') {
      return jsonRpcErrorResponse(400, JSONRPC_ERROR.invalidRequest, 'request nested too deeply')
    }
    return jsonRpcErrorResponse(400, JSONRPC_ERROR.parseError, 'parse error')
  }
  if (typeof body !== 'object' || body === null) {
    return jsonRpcErrorResponse(400, JSONRPC_ERROR.invalidRequest, 'invalid request')
  }
  return body
}
