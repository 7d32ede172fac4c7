import type { Client } from '@modelcontextprotocol/client'
import type { ServerContext } from '@modelcontextprotocol/server'
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import { getIdentity } from '@mandate/server'
import { offersResource, upstreamTemplates } from '../lib/resource-offer.ts'
import { auditHop } from './gateway-core.ts'
import type { CompiledUpstream, GatewayCore } from './gateway-core.ts'
import { allowed, eachUpstream, upstreamClient } from './prompts-resources.ts'

type Templates = Awaited<ReturnType<Client['listResourceTemplates']>>['resourceTemplates']

/**
 * `resources/templates/list`: every upstream's templates that policy lets this caller see, named
 * for policy `resource:<uriTemplate>` (so `resource:file:///docs/*` covers both the resources
 * and the template of a folder). Templates keep their URI templates, like resources their URIs.
 */
export async function listResourceTemplates(
  core: GatewayCore,
  ctx: ServerContext,
): Promise<{ resourceTemplates: Templates }> {
  const resourceTemplates = await eachUpstream(core, ctx, async (client, upstream, identity) => {
    const listed = await upstreamTemplates(client)
    return listed.filter(
      (t) => allowed(upstream, identity, `resource:${t.uriTemplate}`, 'list').allowed,
    )
  })
  return { resourceTemplates }
}

/**
 * `resources/subscribe` and `resources/unsubscribe`: routed like `resources/read` (the first
 * upstream policy allows `resource:<uri>` that offers the URI to this caller) and sent on the
 * caller's own upstream session, so its `notifications/resources/updated` reach this caller only
 * (MCP 2025-11-25 "Resources", subscriptions). Audited; otherwise "resource not available".
 */
export async function subscription(
  core: GatewayCore,
  method: 'subscribe' | 'unsubscribe',
  params: { uri: string },
  ctx: ServerContext,
): Promise<Record<string, never>> {
  const identity = getIdentity(ctx)
  const name = `resource:${params.uri}`
  for (const upstream of core.upstreams) {
    if (!upstream.mayAllow || !allowed(upstream, identity, name, 'call').allowed) continue
    const client = await upstreamClient(core, ctx, identity, upstream)
    if (client?.getServerCapabilities()?.resources?.subscribe !== true) continue
    if (!(await offersResource(client, params.uri))) continue
    if (method === 'subscribe') await client.subscribeResource({ uri: params.uri })
    else await client.unsubscribeResource({ uri: params.uri })
    await auditHop(core, identity, {
      tool: `${name}#${method}`,
      upstream: upstream.options.name,
      credential: upstream.options.credential.kind,
      outcome: 'allowed',
    })
    return {}
  }
  throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'resource not available')
}

/** The upstream that lists `uriTemplate` to this caller and policy lets it see, if any. */
export async function templateUpstream(
  core: GatewayCore,
  ctx: ServerContext,
  uriTemplate: string,
): Promise<{ upstream: CompiledUpstream; client: Client } | undefined> {
  const identity = getIdentity(ctx)
  const name = `resource:${uriTemplate}`
  for (const upstream of core.upstreams) {
    if (!upstream.mayAllow || !allowed(upstream, identity, name, 'list').allowed) continue
    const client = await upstreamClient(core, ctx, identity, upstream)
    if (client === undefined) continue
    const templates = await upstreamTemplates(client)
    if (templates.some((t) => t.uriTemplate === uriTemplate)) return { upstream, client }
  }
  return undefined
}
