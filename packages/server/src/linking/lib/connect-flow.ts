import type { Context } from 'hono'
import type { StringKey } from '@mandate/core'
import { messagePage, SIGNED_IN } from './pages.ts'
import type { LinkingContext } from './linking-context.ts'
import { findPendingLink, hashLinkId } from './pending-links.ts'
import type { PendingLink } from './pending-links.ts'

/**
 * One request to the connect pages as its steps see it. Each step reads what earlier steps
 * established (`sub`, `link`, `form`) and either ends the request with a response or adds to it.
 */
export interface ConnectFlow {
  readonly c: Context
  readonly linking: LinkingContext
  /** Where a browser that has to sign in first comes back to. */
  readonly returnTo: string
  /** The link id of `/connect/<id>` (never logged, never stored in clear). */
  readonly id?: string
  sub?: string
  link?: PendingLink
  form?: Record<string, unknown>
}

/** A named step of a connect request: a response ends the request, `undefined` goes on. */
export type ConnectStep = (flow: ConnectFlow) => Promise<Response | undefined>

/** The URL id of a connect link: 256 random bits, base64url (catalogue #178). */
export const LINK_ID = /^[A-Za-z0-9_-]{43}$/

/** Runs `steps` in order until one answers. */
export async function runSteps(
  flow: ConnectFlow,
  steps: readonly ConnectStep[],
): Promise<Response> {
  for (const step of steps) {
    const response = await step(flow)
    if (response !== undefined) return response
  }
  throw new Error('connect steps ended without a response')
}

/** The signed-in user an earlier step established (a missing one is a wiring bug). */
export function signedInSub(flow: ConnectFlow): string {
  if (flow.sub === undefined) throw new Error('connect step needs requireSignedInUser first')
  return flow.sub
}

/** The pending link an earlier step loaded (a missing one is a wiring bug). */
export function loadedLink(flow: ConnectFlow): PendingLink {
  if (flow.link === undefined) throw new Error('connect step needs a loaded link first')
  return flow.link
}

/** A page from the strings table, in the signed-in layout. */
export function answer(
  flow: ConnectFlow,
  status: 200 | 400 | 403 | 404 | 410,
  title: StringKey,
  message: StringKey,
  params: Readonly<Record<string, string>> = {},
): Response {
  return flow.c.html(messagePage(title, message, params, SIGNED_IN), status)
}

/** Step: the browser's signed-in user (the authorization server's session), or sign in first. */
export const requireSignedInUser: ConnectStep = async (flow) => {
  const { config } = flow.linking
  const sub = await config.signedInUser(flow.c)
  if (sub !== undefined) {
    flow.sub = sub
    return undefined
  }
  if (config.signInUrl !== undefined) return flow.c.redirect(config.signInUrl(flow.returnTo), 303)
  return flow.c.html(messagePage('connect.signInFirst', 'connect.signInFirstText'), 401)
}

/**
 * Step: the link of `/connect/<id>`, which the signed-in user may act on: it exists, was made for
 * this user (catalogue #176–177: a link made for one user never links another user's account),
 * is still pending, has not expired, and its provider is still offered.
 */
export const loadPendingLink: ConnectStep = async (flow) => {
  const sub = signedInSub(flow)
  const id = flow.id ?? ''
  const link = LINK_ID.test(id)
    ? await findPendingLink(flow.linking.store, { idHash: hashLinkId(id) })
    : undefined
  if (link === undefined) return answer(flow, 404, 'connect.notFound', 'connect.notFoundText')
  if (link.sub !== sub) {
    flow.linking.config.logger.warn('connect link opened by another user', {
      provider: link.provider,
    })
    return answer(flow, 403, 'connect.notForYou', 'connect.notForYouText')
  }
  if (link.status !== 'pending') return answer(flow, 410, 'connect.used', 'connect.usedText')
  if (link.expiresAt <= flow.linking.config.now())
    return answer(flow, 410, 'connect.expired', 'connect.expiredText')
  // An operator removed the provider after the link was made: nothing to link any more.
  if (flow.linking.vault.catalog.get(link.provider) === undefined)
    return answer(flow, 410, 'connect.notOffered', 'connect.notOfferedText')
  flow.link = link
  return undefined
}
