import { Hono } from 'hono'
import type { Context } from 'hono'
import { html } from 'hono/html'
import type { HttpBindings } from '@hono/node-server'
import type Provider from 'oidc-provider'
import type { Store } from '@mandate/store'
import type { Users } from '../users/users.ts'
import type { ProviderContext } from '../provider/build-provider.ts'
import { csrfToken, csrfValid } from '../lib/step-token.ts'
import { layout } from '../pages/layout.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import { listGrantsOf } from '../lib/grants.ts'
import { accountBinding, accountSession } from '../lib/account-session.ts'
import { mfaSection } from '../pages/account-pages.ts'
import { accountMfaRoutes } from './account-mfa-routes.ts'
import { accountSignInRoutes } from './account-sign-in-routes.ts'
import { ACCOUNT_CLIENT_ID, accountSignInUrl } from '../provider/account-client.ts'

type Env = { Bindings: HttpBindings }

export interface AccountDeps {
  provider: () => Provider
  users: Users
  secret: string
  store: Store
  emit: ProviderContext['emit']
  /** The issuer URL: names the account in authenticator apps, and `https:` makes cookies Secure. */
  issuer: string
}

/** The account page: the signed-in user's grants (with revoke) and second factor (manage). */
export function accountRoutes(deps: AccountDeps): Hono<Env> {
  const app = new Hono<Env>()

  const session = (c: Context<Env>) => accountSession(deps.provider(), c)

  app.get('/', async (c) => {
    const s = await session(c)
    if (s === undefined) return c.redirect(accountSignInUrl(deps.issuer, '/account'), 303)
    const user = await deps.users.get(s.accountId)
    // The internal sign-in client is not an application the user gave access to.
    const grants = (await listGrantsOf(deps.store, s.accountId)).filter(
      (grant) => grant.clientId !== ACCOUNT_CLIENT_ID,
    )
    const csrf = csrfToken(deps.secret, accountBinding(s))
    return c.html(
      layout(
        'Your account',
        html`<h1>Your account</h1>
          <p>Signed in as <strong>${user?.username ?? s.accountId}</strong>.</p>
          <h2>Second factor</h2>
          <p data-testid="mfa-status">
            ${user?.mfa === true ? 'Authenticator app enabled' : 'Not enabled'}
          </p>
          ${mfaSection({ csrf, enabled: user?.mfa === true })}
          <h2>Applications with access</h2>
          ${
            grants.length === 0
              ? html`<p>No application has access.</p>`
              : html`<ul class="grants">
                  ${grants.map(
                    (grant) =>
                      html`<li>
                        <strong>${grant.clientId}</strong>:
                        ${grant.scopes.join(', ') || '(no scopes)'}
                        <form method="post" action="/account/grants/revoke">
                          <input type="hidden" name="csrf" value="${csrf}" />
                          <input type="hidden" name="grant" value="${grant.grantId}" />
                          <button type="submit" aria-label="Revoke access of ${grant.clientId}">
                            Revoke
                          </button>
                        </form>
                      </li>`,
                  )}
                </ul>`
          }`,
      ),
    )
  })

  app.post('/grants/revoke', async (c) => {
    const s = await session(c)
    if (s === undefined) return c.html(renderErrorPage('login_required', 'Sign in again.'), 401)
    const body = await c.req.parseBody()
    if (!csrfValid(deps.secret, accountBinding(s), body['csrf'])) {
      return c.html(renderErrorPage('invalid_request', 'The form expired. Try again.'), 403)
    }
    const grantId = typeof body['grant'] === 'string' ? body['grant'] : ''
    const grant = (await listGrantsOf(deps.store, s.accountId)).find((g) => g.grantId === grantId)
    if (grant === undefined) return c.html(renderErrorPage('not_found', 'No such grant.'), 404)
    const provider = deps.provider()
    await Promise.all([
      provider.AccessToken.adapter.revokeByGrantId(grantId),
      provider.RefreshToken.adapter.revokeByGrantId(grantId),
      provider.AuthorizationCode.adapter.revokeByGrantId(grantId),
      provider.Grant.adapter.destroy(grantId),
    ])
    deps.emit({
      type: 'consent.revoked',
      sub: s.accountId,
      client_id: grant.clientId,
      grant_id: grantId,
    })
    return c.redirect('/account', 303)
  })

  app.route('/', accountSignInRoutes(deps))
  app.route('/', accountMfaRoutes(deps))
  return app
}
