import { isLoopbackHost } from '@mandate/core'
import { INTERACTION_PATH } from '../provider/routes.ts'
import { csrfToken } from '../sessions/step-token.ts'
import { describeClient } from '../clients/client-view.ts'
import { consentPage } from '../pages/consent-page.ts'
import type { Interaction, InteractionDeps } from './interaction-env.ts'
import { paramString } from './interaction-steps.ts'

/** The consent page of an interaction: who is signed in, the client, the missing scopes. */
export async function consentView(deps: InteractionDeps, d: Interaction): Promise<string> {
  const provider = deps.provider()
  const clientId = String(d.params['client_id'])
  const redirectUri = paramString(d.params['redirect_uri'])
  const redirect = URL.parse(redirectUri)
  const { missingOIDCScope = [], missingResourceScopes = {} } = d.prompt.details as {
    missingOIDCScope?: string[]
    missingResourceScopes?: Record<string, string[]>
  }
  const described = deps.options.scopeDescriptions ?? {}
  const scopes = [
    ...missingOIDCScope.filter((s) => s !== 'openid').map((name) => ({ name })),
    ...Object.entries(missingResourceScopes).flatMap(([resource, list]) =>
      list.map((name) => ({ name, resource })),
    ),
  ].map((scope) => ({ ...scope, description: described[scope.name] }))
  const configured = new Set((deps.options.clients ?? []).map((c) => c.client_id))
  const accountId = d.session?.accountId ?? ''
  const user = await deps.users.get(accountId)
  return consentPage({
    action: `${INTERACTION_PATH}/${d.uid}/consent`,
    abortAction: `${INTERACTION_PATH}/${d.uid}/abort`,
    csrf: csrfToken(deps.secret, d.uid),
    user: { name: user?.username ?? accountId },
    client: await describeClient(provider, clientId, configured, redirectUri),
    redirectHost: redirect?.host ?? redirectUri,
    localhostRedirect: redirect !== null && isLoopbackHost(redirect.hostname),
    scopes,
  })
}
