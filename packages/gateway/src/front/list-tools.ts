import type { Tool } from '@modelcontextprotocol/client'
import type { ServerContext } from '@modelcontextprotocol/server'
import { getIdentity } from '@mandate/server'
import type { McpIdentity } from '@mandate/server'
import { resolveCredential } from '../credentials/resolve-credential.ts'
import type { ResolvedCredential } from '../credentials/resolve-credential.ts'
import { elicitationCaller } from '../elicitation/caller-kind.ts'
import { decide, policyInput } from '../policy/decide.ts'
import { CONNECT_TOOL, credentialContext } from './gateway-core.ts'
import type { CompiledUpstream, GatewayCore } from './gateway-core.ts'

const LIST_TTL_MS = 30_000

/**
 * `tools/list`: every upstream's tools for this caller (through the caller's own upstream
 * session and credential), renamed `<prefix><tool>`, keeping only what policy allows now. An
 * upstream that is unreachable is left out (logged); one whose account is not linked shows a
 * single `<prefix>connect_account` tool that starts account linking.
 */
export async function listTools(core: GatewayCore, ctx: ServerContext): Promise<{ tools: Tool[] }> {
  const identity = getIdentity(ctx)
  const lists = await Promise.all(
    core.upstreams.filter((u) => u.mayAllow).map((u) => upstreamTools(core, ctx, identity, u)),
  )
  return { tools: lists.flat() }
}

async function upstreamTools(
  core: GatewayCore,
  ctx: ServerContext,
  identity: McpIdentity,
  upstream: CompiledUpstream,
): Promise<Tool[]> {
  const { name } = upstream.options
  try {
    const credential = await resolveCredential(
      upstream.options.credential,
      ctx,
      credentialContext(core, upstream),
    ).catch(notLinkedYet)
    if (!credential.ok) {
      return [
        {
          name: `${upstream.prefix}${CONNECT_TOOL}`,
          description: `Connect your account to use the ${name} tools.`,
          inputSchema: { type: 'object', properties: {} },
        },
      ]
    }
    const caller = await elicitationCaller(ctx, core.store, identity)
    const session = await core.pool.session(identity, upstream.options, credential, {
      urlElicitation: caller !== 'none',
    })
    if (session.tools === undefined || Date.now() - session.tools.at > LIST_TTL_MS) {
      const list: Tool[] = []
      let cursor: string | undefined
      do {
        const page = await session.client.listTools(cursor === undefined ? {} : { cursor })
        list.push(...page.tools)
        cursor = page.nextCursor
      } while (cursor !== undefined && list.length < 10_000)
      session.tools = { at: Date.now(), list }
    }
    return session.tools.list
      .filter(
        (tool) =>
          decide(upstream.rules, identity, policyInput(identity, name, tool.name, 'list')).allowed,
      )
      .map((tool) => ({ ...tool, name: `${upstream.prefix}${tool.name}` }))
  } catch (error) {
    core.logger.warn('upstream tools/list failed', {
      upstream: name,
      error: (error as Error).message,
    })
    return []
  }
}

/**
 * Linking answers a 2025-11-25 caller that declared URL elicitation by throwing `-32042`
 * (docs/linking.md); while listing, that only means the account is not linked yet.
 */
function notLinkedYet(error: unknown): ResolvedCredential {
  if ((error as { code?: unknown }).code !== -32042) throw error
  return { ok: false, kind: 'vault', answer: { content: [] } }
}
