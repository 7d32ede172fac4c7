import { Hono } from 'hono'
import type { Context } from 'hono'
import {
  ACCOUNTS_CSRF,
  cancelRequest,
  checkAccountsForm,
  openRequest,
  relinkAccount,
} from './lib/account-actions.ts'
import { renderAccounts } from './lib/accounts-page.ts'
import { answer, requireSignedInUser, runSteps, signedInSub } from './lib/connect-flow.ts'
import type { ConnectFlow, ConnectStep } from './lib/connect-flow.ts'
import { csrfValid } from './lib/csrf.ts'
import type { LinkingContext } from './lib/linking-context.ts'

/**
 * Step (`POST /connect/accounts/unlink`): unlinks one of the signed-in user's accounts (the
 * vault revokes it at the provider, RFC 7009), CSRF-checked.
 */
const unlinkAccount: ConnectStep = async (flow) => {
  const { vault, secret, config } = flow.linking
  const sub = signedInSub(flow)
  const form = await flow.c.req.parseBody()
  if (!csrfValid(secret, ACCOUNTS_CSRF, sub, form['csrf']))
    return answer(flow, 403, 'connect.refused', 'connect.formExpired')
  const id = form['id']
  if (typeof id !== 'string') return answer(flow, 404, 'linked.notFound', 'connect.accountNotFound')
  try {
    // Keyed by the signed-in `sub`: another user's id is simply not found (catalogue #200).
    await vault.unlinkCredential(sub, id)
  } catch (error) {
    config.logger.warn('unlink failed', { code: (error as { code?: string }).code })
    return answer(flow, 404, 'linked.notFound', 'connect.accountNotFound')
  }
  return flow.c.redirect('/connect/accounts', 303)
}

/**
 * The linked-accounts page (`/connect/accounts`): metadata only; unlink, relink, and the user's
 * pending requests (open, cancel).
 */
export function accountsRoutes(linking: LinkingContext): Hono {
  const app = new Hono()
  const flow = (c: Context): ConnectFlow => ({
    c,
    linking,
    returnTo: `${linking.config.baseUrl}/connect/accounts`,
  })
  app.get('/', (c) => runSteps(flow(c), [requireSignedInUser, renderAccounts]))
  app.post('/unlink', (c) => runSteps(flow(c), [requireSignedInUser, unlinkAccount]))
  app.post('/relink', (c) =>
    runSteps(flow(c), [requireSignedInUser, checkAccountsForm, relinkAccount]),
  )
  app.post('/pending/open', (c) =>
    runSteps(flow(c), [requireSignedInUser, checkAccountsForm, openRequest]),
  )
  app.post('/pending/cancel', (c) =>
    runSteps(flow(c), [requireSignedInUser, checkAccountsForm, cancelRequest]),
  )
  return app
}
