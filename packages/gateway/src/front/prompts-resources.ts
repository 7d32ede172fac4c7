import type { Client } from '@modelcontextprotocol/client'
import type {
  GetPromptResult,
  ReadResourceResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import { getIdentity } from '@mandate/server'
import type { McpIdentity } from '@mandate/server'
import { resolveCredential } from '../credentials/resolve-credential.ts'
import { decide, policyInput } from '../policy/decide.ts'
import { auditHop, credentialContext, routeTool } from './gateway-core.ts'
import { offersResource } from '../lib/resource-offer.ts'
import type { CompiledUpstream, GatewayCore } from './gateway-core.ts'

type Prompts = Awaited<ReturnType<Client['listPrompts']>>['prompts']
type Resources = Awaited<ReturnType<Client['listResources']>>['resources']

/**
 * Prompts and resources are named for policy like tools: `prompt:<name>` and `resource:<uri>`
 * (no rule allows them unless it says so). Prompts are renamed `<prefix><name>`; resource URIs
 * are kept, and a read goes to the upstream that listed the URI to this caller.
 */
export async function upstreamClient(
  core: GatewayCore,
  ctx: ServerContext,
  identity: McpIdentity,
  upstream: CompiledUpstream,
): Promise<Client | undefined> {
  const credential = await resolveCredential(
    upstream.options.credential,
    ctx,
    credentialContext(core, upstream),
  )
  if (!credential.ok) return undefined
  return (await core.pool.session(identity, upstream.options, credential)).client
}

/** The policy decision for `name` (`prompt:<name>`, `resource:<uri>`) of this caller. */
export function allowed(
  upstream: CompiledUpstream,
  identity: McpIdentity,
  name: string,
  phase: 'list' | 'call',
  args: Record<string, unknown> = {},
) {
  return decide(
    upstream.rules,
    identity,
    policyInput(identity, upstream.options.name, name, phase, args),
  )
}

/** `list` over every upstream that may allow something, with this caller's sessions. */
export async function eachUpstream<T>(
  core: GatewayCore,
  ctx: ServerContext,
  list: (client: Client, upstream: CompiledUpstream, identity: McpIdentity) => Promise<T[]>,
): Promise<T[]> {
  const identity = getIdentity(ctx)
  const lists = await Promise.all(
    core.upstreams
      .filter((u) => u.mayAllow)
      .map(async (upstream) => {
        try {
          const client = await upstreamClient(core, ctx, identity, upstream)
          return client === undefined ? [] : await list(client, upstream, identity)
        } catch (error) {
          core.logger.warn('upstream list failed', {
            upstream: upstream.options.name,
            error: (error as Error).message,
          })
          return []
        }
      }),
  )
  return lists.flat()
}

/**
 * `prompts/list`: every upstream's prompts that policy lets this caller see, renamed
 * `<prefix><name>`; an upstream that fails is left out (logged).
 */
export async function listPrompts(
  core: GatewayCore,
  ctx: ServerContext,
): Promise<{ prompts: Prompts }> {
  const prompts = await eachUpstream(core, ctx, async (client, upstream, identity) => {
    if (client.getServerCapabilities()?.prompts === undefined) return []
    const { prompts: listed } = await client.listPrompts()
    return listed
      .filter((p) => allowed(upstream, identity, `prompt:${p.name}`, 'list').allowed)
      .map((p) => ({ ...p, name: `${upstream.prefix}${p.name}` }))
  })
  return { prompts }
}

/**
 * `prompts/get`: routed by prefix to one upstream, decided by policy (`prompt:<name>`) and
 * audited; a denied or unknown prompt is "not available", the same answer for both.
 */
export async function getPrompt(
  core: GatewayCore,
  params: { name: string; arguments?: Record<string, string> | undefined },
  ctx: ServerContext,
): Promise<GetPromptResult> {
  const identity = getIdentity(ctx)
  const route = routeTool(core, params.name)
  if (route === undefined) throw notAvailable(params.name)
  const name = `prompt:${route.tool}`
  const hop = {
    tool: name,
    upstream: route.upstream.options.name,
    credential: route.upstream.options.credential.kind,
  }
  const decision = allowed(route.upstream, identity, name, 'call', params.arguments ?? {})
  if (!decision.allowed) {
    await auditHop(core, identity, { ...hop, outcome: 'denied', reason: decision.reason })
    throw notAvailable(params.name)
  }
  const client = await upstreamClient(core, ctx, identity, route.upstream)
  if (client === undefined) throw notAvailable(params.name)
  const result = await client.getPrompt({
    name: route.tool,
    ...(params.arguments === undefined ? {} : { arguments: params.arguments }),
  })
  await auditHop(core, identity, { ...hop, outcome: 'allowed' })
  return result
}

/** `resources/list`: every upstream's resources that policy lets this caller see (URIs kept). */
export async function listResources(
  core: GatewayCore,
  ctx: ServerContext,
): Promise<{ resources: Resources }> {
  const resources = await eachUpstream(core, ctx, async (client, upstream, identity) => {
    if (client.getServerCapabilities()?.resources === undefined) return []
    const { resources: listed } = await client.listResources()
    return listed.filter((r) => allowed(upstream, identity, `resource:${r.uri}`, 'list').allowed)
  })
  return { resources }
}

/**
 * `resources/read`: goes to the first upstream policy allows (`resource:<uri>`) that listed the
 * URI to this caller (in `resources/list` or matching one of its templates), audited;
 * otherwise "resource not available".
 */
export async function readResource(
  core: GatewayCore,
  params: { uri: string },
  ctx: ServerContext,
): Promise<ReadResourceResult> {
  const identity = getIdentity(ctx)
  const name = `resource:${params.uri}`
  for (const upstream of core.upstreams) {
    if (!upstream.mayAllow || !allowed(upstream, identity, name, 'call').allowed) continue
    const client = await upstreamClient(core, ctx, identity, upstream)
    if (client === undefined || client.getServerCapabilities()?.resources === undefined) continue
    if (!(await offersResource(client, params.uri))) continue
    const hop = {
      tool: name,
      upstream: upstream.options.name,
      credential: upstream.options.credential.kind,
    }
    const result = await client.readResource({ uri: params.uri })
    await auditHop(core, identity, { ...hop, outcome: 'allowed' })
    return result
  }
  throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'resource not available')
}

function notAvailable(name: string): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `prompt not available: ${name.slice(0, 128)}`,
  )
}
