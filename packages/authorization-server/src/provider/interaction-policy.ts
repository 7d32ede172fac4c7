import { interactionPolicy } from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { ACR_MFA } from './acr.ts'

type Policy = ReturnType<typeof interactionPolicy.base>

/**
 * oidc-provider's login and consent prompts with our two changes: step-up by `acr_values`, and
 * the native-client consent rule of RFC 8252 §8.6 relaxed for a user who has just interacted.
 */
export function interactionPolicyWithStepUp(): Policy {
  const policy = interactionPolicy.base()
  policy.get('login')?.checks.add(stepUpCheck())
  const consent = policy.get('consent')
  consent?.checks.remove('native_client_prompt')
  consent?.checks.add(nativeClientCheck(), 0)
  return policy
}

/**
 * Step-up (RFC 9470 / OIDC §3.1.2.1): `acr_values=mfa` forces a login with a second factor when
 * the session's authentication is weaker.
 */
function stepUpCheck(): InstanceType<typeof interactionPolicy.Check> {
  return new interactionPolicy.Check(
    'acr_step_up',
    'a stronger authentication is requested',
    'login_required',
    (ctx: KoaContextWithOIDC) => {
      const acrValues = ctx.oidc.params?.['acr_values']
      const requested = (typeof acrValues === 'string' ? acrValues : '').split(' ')
      return requested.includes(ACR_MFA) && ctx.oidc.session?.acr !== ACR_MFA
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT
    },
  )
}

/**
 * RFC 8252 §8.6: a native client's identity cannot be assured (any local app can claim a
 * loopback redirect), so its authorization requests are never processed silently. oidc-provider
 * prompts for consent on every request of a native client; we keep that prompt when nothing
 * else involved the user, but a user who has just signed in for this very request has
 * interacted, and a grant remembered from an earlier session is then honoured.
 */
function nativeClientCheck(): InstanceType<typeof interactionPolicy.Check> {
  return new interactionPolicy.Check(
    'native_client_prompt',
    'native clients require End-User interaction',
    'interaction_required',
    (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx
      const silent = oidc.result?.login === undefined && oidc.result?.consent === undefined
      return oidc.client?.applicationType === 'native' && silent
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT
    },
  )
}
