import type { McpIdentity } from '@mandate/server'
import type {
  CallToolResult,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import { credentialContext } from '../front/gateway-core.ts'
import type { CompiledUpstream, GatewayCore } from '../front/gateway-core.ts'
import { resolveCredential } from './resolve-credential.ts'
import type { ResolvedCredential } from './resolve-credential.ts'
import { widerScopes } from './upstream-step-up.ts'

type Answer = CallToolResult | InputRequiredResult

/**
 * An upstream answered 403 `insufficient_scope` for `asked`: the call is retried once with a
 * credential for the wider scopes the configuration allows: a new exchange (the caller's token
 * must hold them, otherwise the caller is told to step up), or the user's linked account read
 * with those scopes (re-linking through URL elicitation when it lacks them, as first linking).
 * The retried call's answer is returned as it is (the hop is audited once, by the caller).
 */
export async function retryWithWiderScopes(
  core: GatewayCore,
  upstream: CompiledUpstream,
  asked: readonly string[],
  call: { ctx: ServerContext; identity: McpIdentity },
  run: (credential: Extract<ResolvedCredential, { ok: true }>) => Promise<Answer>,
): Promise<Answer> {
  const { credential, name } = upstream.options
  const wider = widerScopes(credential, name, asked, call.identity.scopes)
  if (!wider.ok) {
    core.logger.info('upstream insufficient_scope not retried', {
      upstream: name,
      why: wider.reason,
    })
    return wider.answer
  }
  const again = await resolveCredential(credential, call.ctx, credentialContext(core, upstream), {
    scopes: wider.scopes,
  })
  return again.ok ? run(again) : again.answer
}
