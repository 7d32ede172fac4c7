import { withCors } from '../http/cors.ts'
import { serveMetadata } from '../http/serve-metadata.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import { MCP_CALL_STEPS } from './mcp-call-steps.ts'
import { runCallSteps } from './protected-call.ts'
import type { ProtectedCall } from './protected-call.ts'

/**
 * Entry of every request: the metadata routes, the MCP endpoint (its steps, then CORS), 404 for
 * anything else.
 */
export async function routeRequest(request: Request, runtime: ProtectRuntime): Promise<Response> {
  const { config } = runtime
  const url = new URL(request.url)
  if (config.metadataPaths.includes(url.pathname)) {
    return serveMetadata(request, config.metadataBody)
  }
  const normalised = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname
  if (normalised !== config.path) return new Response('not found', { status: 404 })
  const call: ProtectedCall = {
    request,
    url,
    identity: config.anonymous,
    dpopNonce: undefined,
    revoked: () => false,
    body: undefined,
    toolCalls: [],
  }
  return withCors(request, await runCallSteps(MCP_CALL_STEPS, call, runtime), config.allowedOrigins)
}
