import type {
  CompleteRequestParams,
  CompleteResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import { getIdentity } from '@mandate/server'
import { routeTool } from './gateway-core.ts'
import type { GatewayCore } from './gateway-core.ts'
import { allowed, upstreamClient } from './prompts-resources.ts'
import { templateUpstream } from './resource-templates.ts'

/**
 * `completion/complete` (MCP 2025-11-25 "Completion"): argument suggestions from the upstream
 * that owns the reference, under the caller's session and policy. A prompt reference is routed
 * by prefix and needs `prompt:<name>` to be visible (policy phase `list`: suggestions reveal
 * what a listing would); a resource template reference goes to the upstream that lists the
 * template to this caller. Anything else is "not available", like an unknown reference.
 */
export async function complete(
  core: GatewayCore,
  params: CompleteRequestParams,
  ctx: ServerContext,
): Promise<CompleteResult> {
  const { ref } = params
  // Only what completion defines goes upstream (not the caller's `_meta`).
  const request = {
    argument: params.argument,
    ...(params.context === undefined ? {} : { context: params.context }),
  }
  if (ref.type === 'ref/prompt') {
    const identity = getIdentity(ctx)
    const route = routeTool(core, ref.name)
    if (
      route === undefined ||
      !allowed(route.upstream, identity, `prompt:${route.tool}`, 'list').allowed
    ) {
      throw notAvailable()
    }
    const client = await upstreamClient(core, ctx, identity, route.upstream)
    if (client?.getServerCapabilities()?.completions === undefined) throw notAvailable()
    return client.complete({ ...request, ref: { type: 'ref/prompt', name: route.tool } })
  }
  const found = await templateUpstream(core, ctx, ref.uri)
  if (found?.client.getServerCapabilities()?.completions === undefined) throw notAvailable()
  return found.client.complete({ ...request, ref })
}

function notAvailable(): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, 'completion not available')
}
