import { answer, loadedLink, signedInSub } from './connect-flow.ts'
import type { ConnectStep } from './connect-flow.ts'
import { publishLinkCompleted } from './completion-notifications.ts'
import { providerName } from './linking-context.ts'
import { findPendingLink, markLinkDone } from './pending-links.ts'

/** Step: the started link whose provider transaction carries this callback's `state`. */
export const loadStartedLink: ConnectStep = async (flow) => {
  const state = flow.c.req.query('state')
  const link =
    state === undefined ? undefined : await findPendingLink(flow.linking.store, { state })
  if (link?.status !== 'started' || link.transaction === undefined)
    return answer(flow, 400, 'connect.notFound', 'connect.noPending')
  flow.link = link
  return undefined
}

/**
 * Step: the browser at the callback is signed in as the link's user; a callback replayed in
 * another user's browser links nothing (catalogue #177).
 */
export const requireLinkOwner: ConnectStep = async (flow) => {
  const link = loadedLink(flow)
  const sub = await flow.linking.config.signedInUser(flow.c)
  if (sub !== link.sub) {
    flow.linking.config.logger.warn('connect callback reached by another user', {
      provider: link.provider,
    })
    return answer(flow, 403, 'connect.notForYou', 'connect.callbackOtherUser')
  }
  flow.sub = sub
  return undefined
}

/**
 * Step: the vault checks the callback against the sealed transaction (`state`, RFC 9207 `iss`,
 * PKCE), exchanges the code and stores the tokens.
 */
export const completeAtProvider: ConnectStep = async (flow) => {
  const { vault, config } = flow.linking
  const link = loadedLink(flow)
  try {
    await vault.completeProviderAuthorization({
      sub: signedInSub(flow),
      transaction: link.transaction ?? loadedTransactionMissing(),
      // The configured callback URL with the provider's parameters: never the request's origin.
      callbackUrl: `${config.redirectUri}${new URL(flow.c.req.url).search}`,
    })
  } catch (error) {
    config.logger.warn('provider authorization failed', {
      provider: link.provider,
      code: (error as { code?: string }).code,
    })
    return answer(flow, 400, 'connect.failed', 'connect.failedText')
  }
  return undefined
}

/** Step: the link becomes `done` (once), its completion is published, the user is told. */
export const finishLink: ConnectStep = async (flow) => {
  const { store, vault, config } = flow.linking
  const link = loadedLink(flow)
  if (await markLinkDone(store, link.idHash, config.now()))
    await publishLinkCompleted(store, config.logger, link)
  return answer(flow, 200, 'connect.connected', 'connect.connectedText', {
    provider: providerName(vault, link.provider),
    server: config.serverName,
  })
}

function loadedTransactionMissing(): never {
  throw new Error('callback step needs a started link')
}
