import type { AuditSink, Logger } from '@mandate/core'
import type { McpIdentity } from '@mandate/server'
import type { ToolLinking } from '@mandate/server/linking'
import type { Store } from '@mandate/store'
import type { UpstreamOptions } from '../options.ts'
import type { CompiledRule } from '../policy/compile-policy.ts'
import type { TokenExchangeClient } from '../credentials/token-exchange-client.ts'
import type { SessionPool } from '../upstreams/session-pool.ts'
import type { RevocationWatch } from '../revocation/revocation-watch.ts'
import type { CredentialContext, CredentialKind } from '../credentials/resolve-credential.ts'
import type { ApprovalContext } from '../approval/approval-context.ts'
import type { LearnedScopes } from '../credentials/learned-scopes.ts'

/** An upstream as configured, with its policy compiled and its tool names' prefix resolved. */
export interface CompiledUpstream {
  readonly options: UpstreamOptions
  readonly prefix: string
  readonly rules: readonly CompiledRule[]
  /** Whether any rule could allow anything (otherwise the upstream is never contacted). */
  readonly mayAllow: boolean
  /**
   * For a `vault` credential: linking bound to the provider and scopes this upstream declares
   * in its configuration, so that a call can read nothing else (catalogue #200).
   */
  readonly linking: ToolLinking | undefined
  /** The same declared with `stepUpScopes` too (read only after an upstream's insufficient_scope). */
  readonly stepUpLinking?: ToolLinking | undefined
}

/** What every request of the gateway shares. */
export interface GatewayCore {
  readonly resource: string
  /** Replaced whole (never edited) when policies are reloaded. */
  upstreams: readonly CompiledUpstream[]
  readonly pool: SessionPool
  readonly exchange: TokenExchangeClient | undefined
  /** Revocation events (issue 12): undefined without a store or feed. */
  readonly revocations: RevocationWatch | undefined
  readonly logger: Logger
  readonly audit: AuditSink | undefined
  /** Where 2025-11-25 callers' URL-elicitation capability is remembered (stateless serving). */
  readonly store?: Store | undefined
  /** The `approve` policy action's store and pages; undefined when not configured. */
  readonly approval?: ApprovalContext | undefined
  /** Scopes `exchange` upstreams demanded, by upstream and tool (issue 15). */
  readonly learned: LearnedScopes
}

/** What resolving `upstream`'s credential needs: the exchange client and its own linking. */
export function credentialContext(
  core: GatewayCore,
  upstream: CompiledUpstream,
): CredentialContext {
  const { transport } = upstream.options
  return {
    exchange: core.exchange,
    linking: upstream.linking,
    stepUpLinking: upstream.stepUpLinking,
    upstreamUrl: transport.type === 'http' ? transport.url : undefined,
  }
}

/** The name of the tool listed in place of an upstream whose account is not linked yet. */
export const CONNECT_TOOL = 'connect_account'

/** The upstream an exposed tool name belongs to (longest prefix wins) and the upstream's name. */
export function routeTool(
  core: GatewayCore,
  exposed: string,
): { upstream: CompiledUpstream; tool: string } | undefined {
  let best: CompiledUpstream | undefined
  for (const upstream of core.upstreams) {
    if (exposed.startsWith(upstream.prefix) && exposed.length > upstream.prefix.length) {
      if (best === undefined || upstream.prefix.length > best.prefix.length) best = upstream
    }
  }
  return best === undefined
    ? undefined
    : { upstream: best, tool: exposed.slice(best.prefix.length) }
}

/** One audit record per hop; a sink that fails is logged, the decision stands. */
export async function auditHop(
  core: GatewayCore,
  identity: McpIdentity,
  hop: {
    outcome: 'allowed' | 'denied' | 'failure'
    tool: string
    upstream: string
    credential: CredentialKind
    reason?: string
  },
): Promise<void> {
  if (core.audit === undefined) return
  try {
    await core.audit({
      type: 'gateway.tool_call',
      time: new Date().toISOString(),
      issuer: identity.issuer,
      sub: identity.sub,
      client_id: identity.clientId,
      server: core.resource,
      ...(identity.act === undefined
        ? {}
        : { act: identity.act as unknown as Record<string, unknown> }),
      ...hop,
    })
  } catch (error) {
    core.logger.warn('gateway audit failed', { error })
  }
}
