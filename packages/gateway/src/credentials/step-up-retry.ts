import { requestScopeChallenge } from '@mandate/server'
import type { McpIdentity } from '@mandate/server'
import type {
  CallToolResult,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import { credentialContext, routeTool } from '../front/gateway-core.ts'
import type { CompiledUpstream, GatewayCore } from '../front/gateway-core.ts'
import { resolveCredential } from './resolve-credential.ts'
import type { ResolvedCredential } from './resolve-credential.ts'
import { widerScopes, withinConfiguration } from './upstream-step-up.ts'

type Answer = CallToolResult | InputRequiredResult

/**
 * An upstream answered 403 `insufficient_scope` for `asked`: the call is retried once with a
 * credential for the wider scopes the configuration allows: a new exchange (the caller's token
 * must hold them, otherwise the caller is asked to step up: the front's HTTP 403 challenge when
 * the response has not started, else a tool error), or the user's linked account read
 * with those scopes (re-linking through URL elicitation when it lacks them, as first linking).
 * The retried call's answer is returned as it is (the hop is audited once, by the caller).
 * An `exchange` upstream's demand within the configuration, made by an HTTP 403 challenge
 * (`call.remember`), is remembered for its tool whether or not this caller holds the scopes:
 * later calls ask for them up front, and the front challenges a caller without them before the
 * call (RFC 6750 §3.1). A tool error's text is not remembered: a caller could make a tool echo it
 * and raise the requirement for everyone.
 */
export async function retryWithWiderScopes(
  core: GatewayCore,
  upstream: CompiledUpstream,
  asked: readonly string[],
  call: { ctx: ServerContext; identity: McpIdentity; tool: string; remember: boolean },
  run: (credential: Extract<ResolvedCredential, { ok: true }>) => Promise<Answer>,
): Promise<Answer> {
  const { credential, name } = upstream.options
  // Only while this upstream's configuration is current: a reload cleared what it allowed.
  if (
    call.remember &&
    credential.kind === 'exchange' &&
    core.upstreams.includes(upstream) &&
    withinConfiguration(credential, asked)
  ) {
    const beyond = asked.filter((scope) => !credential.scopes.includes(scope))
    core.learned.remember(name, call.tool, beyond)
  }
  const wider = widerScopes(credential, name, asked, call.identity.scopes)
  if (!wider.ok) {
    core.logger.info('upstream insufficient_scope not retried', {
      upstream: name,
      why: wider.reason,
    })
    // The front answers HTTP 403 insufficient_scope while the response has not started; the
    // tool error once it has (RFC 6750 §3.1; docs/server.md "Scopes learned during a call").
    if (wider.stepUp !== undefined) requestScopeChallenge(call.ctx, wider.stepUp)
    return wider.answer
  }
  const again = await resolveCredential(credential, call.ctx, credentialContext(core, upstream), {
    scopes: wider.scopes,
  })
  return again.ok ? run(again) : again.answer
}

/**
 * The scopes to exchange for up front (undefined: the configured ones): the configured scopes
 * plus those the upstream demanded earlier for this tool, when the caller's token holds them
 * (RFC 8693 never widens it; a caller without them was challenged by the front already, or
 * meets the upstream's 403 as on a first call). `exchange` credentials only.
 */
export function upFrontScopes(
  core: GatewayCore,
  upstream: CompiledUpstream,
  tool: string,
  identity: McpIdentity,
): readonly string[] | undefined {
  const { credential, name } = upstream.options
  if (credential.kind !== 'exchange') return undefined
  const learned = core.learned
    .get(name, tool)
    .filter((scope) => identity.scopes.includes(scope) && !credential.scopes.includes(scope))
  return learned.length === 0 ? undefined : [...credential.scopes, ...learned]
}

/**
 * The front's view of what upstreams demanded (`extraToolScopes` of @mandate/server): a caller
 * whose token lacks them gets the 403 `insufficient_scope` challenge before the call
 * (RFC 6750 §3.1; MCP authorization "Runtime Insufficient Scope Errors").
 */
export function learnedRequirement(
  core: GatewayCore,
): (exposed: string) => readonly string[] | undefined {
  return (exposed) => {
    const route = routeTool(core, exposed)
    return route === undefined
      ? undefined
      : core.learned.get(route.upstream.options.name, route.tool)
  }
}
