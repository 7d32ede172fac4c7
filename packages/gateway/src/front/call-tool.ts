import type {
  CallToolResult,
  InputRequiredResult,
  RequestOptions,
  ServerContext,
} from '@modelcontextprotocol/server'
import { SdkErrorCode, SdkHttpError, UnauthorizedError } from '@modelcontextprotocol/client'
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import { getIdentity } from '@mandate/server'
import type { McpIdentity } from '@mandate/server'
import { resolveCredential } from '../credentials/resolve-credential.ts'
import type { ResolvedCredential } from '../credentials/resolve-credential.ts'
import { decide, policyInput } from '../policy/decide.ts'
import { approvalGate } from '../approval/require-approval.ts'
import { auditHop, CONNECT_TOOL, credentialContext, routeTool } from './gateway-core.ts'
import type { CompiledUpstream, GatewayCore } from './gateway-core.ts'
import type { RelayTarget } from '../upstreams/relay.ts'
import { elicitationCaller } from '../elicitation/caller-kind.ts'
import { relayUpstreamCall } from '../elicitation/relay-upstream-call.ts'
import { credentialRejectedInResult } from '../credentials/rejected-by-upstream.ts'
import { scopesAskedByError, scopesAskedInResult } from '../credentials/upstream-step-up.ts'
import { retryWithWiderScopes, upFrontScopes } from '../credentials/step-up-retry.ts'

type Answer = CallToolResult | InputRequiredResult

/**
 * `tools/call`: route by prefix, decide by policy (with the arguments), get this user's
 * credential for that upstream, forward through this user's upstream session. An upstream 401
 * refreshes the credential (a new exchange, or the vault's refresh / re-linking) and retries once.
 */
export async function callTool(
  core: GatewayCore,
  params: { name: string; arguments?: Record<string, unknown> | undefined },
  ctx: ServerContext,
): Promise<Answer> {
  const identity = getIdentity(ctx)
  const route = routeTool(core, params.name)
  if (route === undefined) throw unavailable(params.name)
  const { upstream, tool } = route
  const hop = {
    tool: params.name,
    upstream: upstream.options.name,
    credential: upstream.options.credential.kind,
  }
  const args = params.arguments ?? {}
  const connecting = tool === CONNECT_TOOL && upstream.mayAllow
  const decision = connecting
    ? ({ allowed: true } as const)
    : decide(
        upstream.rules,
        identity,
        policyInput(identity, upstream.options.name, tool, 'call', args),
      )
  if (!decision.allowed) {
    await auditHop(core, identity, { ...hop, outcome: 'denied', reason: decision.reason })
    throw unavailable(params.name)
  }
  // Scopes the upstream demanded before for this tool: asked for now, not after another 403.
  const scopes = upFrontScopes(core, upstream, tool, identity)
  let credential: ResolvedCredential
  try {
    credential = await resolveCredential(
      upstream.options.credential,
      ctx,
      credentialContext(core, upstream),
      scopes === undefined ? {} : { scopes },
    )
  } catch (error) {
    await auditHop(core, identity, { ...hop, outcome: 'failure', reason: reasonOf(error) })
    throw error
  }
  if (!credential.ok) {
    await auditHop(core, identity, {
      ...hop,
      outcome: 'denied',
      reason: 'account linking required',
    })
    return credential.answer
  }
  if (connecting) return text(`Your account for ${upstream.options.name} is connected.`)
  // `approve` rules: this exact call runs once the user approved it (docs/gateway.md).
  const call = { upstream: upstream.options.name, tool, args }
  const unapproved = await approvalGate(core.approval, ctx, identity, decision, call)
  if (unapproved !== undefined) return unapproved
  try {
    const result = await forward(core, identity, upstream, { tool, args, scopes }, credential, ctx)
    await auditHop(core, identity, { ...hop, outcome: 'allowed' })
    return result
  } catch (error) {
    await auditHop(core, identity, { ...hop, outcome: 'failure', reason: reasonOf(error) })
    if (error instanceof ProtocolError) throw error
    return {
      isError: true,
      content: [
        { type: 'text', text: `${upstream.options.name} did not answer; try again later.` },
      ],
    }
  }
}

async function forward(
  core: GatewayCore,
  identity: McpIdentity,
  upstream: CompiledUpstream,
  {
    tool,
    args,
    scopes,
  }: { tool: string; args: Record<string, unknown>; scopes?: readonly string[] | undefined },
  first: Extract<ResolvedCredential, { ok: true }>,
  ctx: ServerContext,
): Promise<Answer> {
  const caller = await elicitationCaller(ctx, core.store, identity)
  const call = async (credential: Extract<ResolvedCredential, { ok: true }>) => {
    const session = await core.pool.session(identity, upstream.options, credential, {
      urlElicitation: caller !== 'none',
    })
    // While it runs, what the upstream says about it (notifications, URL elicitations) goes to
    // this request only; what it sent before its result reaches the caller first.
    return relayUpstreamCall({
      ctx,
      caller,
      owner: identity,
      upstream: upstream.options.name,
      relay: session.relay,
      desk: session.elicitations,
      target: relayTarget(ctx),
      run: (target) =>
        session.client.callTool({ name: tool, arguments: args }, progressRelay(ctx, target)),
    })
  }
  let asked: readonly string[] | undefined
  // Only an HTTP 403 with its challenge is the upstream's word; a tool error's text may carry
  // what the caller put in the arguments, so it is retried once but never remembered.
  let fromChallenge = false
  try {
    const result = await call(first)
    // 403 insufficient_scope (or a tool error saying so): wider scopes, within the configuration.
    asked = scopesAskedInResult(result, first.kind)
    // A tool error that says the credential was refused counts as a 401 (one refresh, one retry).
    if (asked === undefined && !credentialRejectedInResult(result, first.kind)) return result
  } catch (error) {
    asked = scopesAskedByError(error, first.kind)
    fromChallenge = asked !== undefined
    const renewable = first.kind !== 'none' && first.kind !== 'static'
    if (asked === undefined && !(isUnauthorized(error) && renewable)) throw error
  }
  if (asked !== undefined) {
    // Keeps what was asked for up front: the retry only ever adds to it.
    const wanted = [...new Set([...(scopes ?? []), ...asked])]
    const about = { ctx, identity, tool, remember: fromChallenge }
    return retryWithWiderScopes(core, upstream, wanted, about, call)
  }
  await core.pool.drop(identity, upstream.options.name)
  const again = await resolveCredential(
    upstream.options.credential,
    ctx,
    credentialContext(core, upstream),
    { rejected: true, ...(scopes === undefined ? {} : { scopes }) },
  )
  if (!again.ok) return again.answer
  return call(again)
}

/** This front request as a relay target: notifications related to it (its SSE response). */
function relayTarget(ctx: ServerContext): RelayTarget & { settled(): Promise<void> } {
  const sent: Promise<void>[] = []
  return {
    notify: (notification) => {
      const sending = ctx.mcpReq.notify(notification).catch(() => undefined)
      sent.push(sending)
      return sending
    },
    settled: async () => {
      await Promise.all(sent)
    },
  }
}

/**
 * Progress (MCP basic/utilities/progress): the SDK client sends the upstream a progress token
 * of its own and hands us each update; relayed under the caller's token, and only when the
 * caller asked for progress.
 */
function progressRelay(ctx: ServerContext, target: RelayTarget): RequestOptions {
  const progressToken = ctx.mcpReq._meta?.progressToken
  if (progressToken === undefined) return {}
  return {
    resetTimeoutOnProgress: true,
    onprogress: (progress) => {
      void target.notify({
        method: 'notifications/progress',
        params: { ...progress, progressToken },
      })
    },
  }
}

/** The upstream refused the credential (HTTP 401), as the SDK client types it. */
function isUnauthorized(error: unknown): boolean {
  if (error instanceof UnauthorizedError) return true
  return (
    error instanceof SdkHttpError &&
    (error.status === 401 || error.code === SdkErrorCode.ClientHttpAuthentication)
  )
}

function unavailable(name: string): ProtocolError {
  // Denied and unknown look the same: a tool policy hides is not advertised either.
  return new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `tool not available: ${name.slice(0, 128)}`,
  )
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : 'upstream error'
}

function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] }
}
