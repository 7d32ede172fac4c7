import { Hono } from 'hono'
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { PAGE_SECURITY_HEADERS } from '@mandate/core'
import { accountsRoutes } from './accounts-routes.ts'
import {
  completeAtProvider,
  finishLink,
  loadStartedLink,
  requireLinkOwner,
} from './lib/callback-steps.ts'
import { renderConfirmation } from './lib/confirm-page.ts'
import {
  checkConfirmForm,
  redirectToProvider,
  saveApiKey,
  stopUnlessAllowed,
} from './lib/confirm-steps.ts'
import { loadPendingLink, requireSignedInUser, runSteps } from './lib/connect-flow.ts'
import type { ConnectFlow, ConnectStep } from './lib/connect-flow.ts'
import type { LinkingContext } from './lib/linking-context.ts'
import { messagePage, SIGNED_IN } from './lib/pages.ts'

/** `GET /connect/<id>`: the signed-in owner of a pending link sees what it asks for. */
const SHOW_LINK: readonly ConnectStep[] = [requireSignedInUser, loadPendingLink, renderConfirmation]

/** `POST /connect/<id>`: the owner confirms (CSRF-checked) or cancels. */
const CONFIRM_LINK: readonly ConnectStep[] = [
  requireSignedInUser,
  loadPendingLink,
  checkConfirmForm,
  stopUnlessAllowed,
  saveApiKey,
  redirectToProvider,
]

/** `GET /connect/callback`: the provider sends the same browser back with a code. */
const PROVIDER_CALLBACK: readonly ConnectStep[] = [
  loadStartedLink,
  requireLinkOwner,
  completeAtProvider,
  finishLink,
]

/** Never framed (catalogue #16), never cached, no Referer leaking the link id to a provider. */
const pageHeaders: MiddlewareHandler = async (c, next) => {
  await next()
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) c.header(name, value)
  c.header('Cache-Control', 'no-store')
}

/** The connect pages, under `/connect`: each path a list of named steps. */
export function connectRoutes(linking: LinkingContext): Hono {
  const app = new Hono()
  const { baseUrl } = linking.config
  const flow = (c: Context, id?: string): ConnectFlow => ({
    c,
    linking,
    returnTo: `${baseUrl}/connect/${id ?? ''}`,
    ...(id === undefined ? {} : { id }),
  })
  app.use('*', pageHeaders)
  // The connect forms are a few hundred bytes: never buffer more (RFC 9110 §15.5.14).
  app.use(
    '*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) => c.html(messagePage('connect.tooLarge', 'connect.goBack', {}, SIGNED_IN), 413),
    }),
  )
  app.route('/accounts', accountsRoutes(linking))
  app.get('/callback', (c) => runSteps(flow(c), PROVIDER_CALLBACK))
  app.get('/:id', (c) => runSteps(flow(c, c.req.param('id')), SHOW_LINK))
  app.post('/:id', (c) => runSteps(flow(c, c.req.param('id')), CONFIRM_LINK))
  return app
}
