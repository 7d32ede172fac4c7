import { csrfValid } from './csrf.ts'
import { answer, loadedLink, signedInSub } from './connect-flow.ts'
import type { ConnectStep } from './connect-flow.ts'
import { markLinkDone, markLinkStarted } from './pending-links.ts'
import { publishLinkCompleted } from './completion-notifications.ts'

/** Step: the posted form, with a CSRF token bound to this link and the signed-in user. */
export const checkConfirmForm: ConnectStep = async (flow) => {
  const link = loadedLink(flow)
  const form = await flow.c.req.parseBody()
  if (!csrfValid(flow.linking.secret, `connect:${link.idHash}`, signedInSub(flow), form['csrf']))
    return answer(flow, 403, 'connect.refused', 'connect.refusedText')
  flow.form = form
  return undefined
}

/** Step: anything but "allow" cancels, and nothing is linked. */
export const stopUnlessAllowed: ConnectStep = (flow) =>
  Promise.resolve(
    flow.form?.['decision'] === 'allow'
      ? undefined
      : answer(flow, 200, 'connect.cancelled', 'connect.nothingConnected'),
  )

/**
 * Step, API-key providers only: the key typed into this page goes to the vault, the link is
 * used once (`pending → started → done`) and its completion published.
 */
export const saveApiKey: ConnectStep = async (flow) => {
  const { store, vault, config } = flow.linking
  const link = loadedLink(flow)
  const provider = vault.catalog.require(link.provider)
  if (provider.kind !== 'api_key') return undefined
  const key = flow.form?.['api_key']
  if (typeof key !== 'string' || key === '')
    return answer(flow, 400, 'connect.noKey', 'connect.typeKey')
  const transaction = {
    provider: link.provider,
    state: `apikey-${link.idHash}`,
    expires_at: link.expiresAt,
    sealed: '',
  }
  if (!(await markLinkStarted(store, link.idHash, transaction)))
    return answer(flow, 410, 'connect.used', 'connect.usedShort')
  try {
    const sub = signedInSub(flow)
    await vault.saveApiKey({ sub, provider: link.provider, account: 'default', apiKey: key })
  } catch (error) {
    config.logger.warn('api key refused', {
      provider: link.provider,
      code: (error as { code?: string }).code,
    })
    return answer(flow, 400, 'connect.keyRefused', 'connect.keyRefusedText')
  }
  if (await markLinkDone(store, link.idHash, config.now()))
    await publishLinkCompleted(store, config.logger, link)
  return answer(flow, 200, 'connect.connected', 'connect.keySaved', {
    provider: provider.display_name,
  })
}

/**
 * Step, OAuth providers: the provider's authorization request (PKCE S256, `state`, `nonce`,
 * the exact redirect URI), then 303 to it. Single use: only the first confirmation of a
 * pending link goes on to the provider.
 */
export const redirectToProvider: ConnectStep = async (flow) => {
  const { store, vault, config } = flow.linking
  const link = loadedLink(flow)
  const { url, transaction } = await vault.startProviderAuthorization({
    sub: signedInSub(flow),
    provider: link.provider,
    scopes: link.scopes,
    redirectUri: config.redirectUri,
    ttlMs: Math.max(60_000, link.expiresAt - config.now()),
  })
  if (!(await markLinkStarted(store, link.idHash, transaction)))
    return answer(flow, 410, 'connect.used', 'connect.usedShort')
  return flow.c.redirect(url.href, 303)
}
