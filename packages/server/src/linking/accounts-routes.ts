import { Hono } from 'hono'
import type { Context } from 'hono'
import { html } from 'hono/html'
import type { Logger } from '@mandate/core'
import type { Vault } from '@mandate/vault'
import { csrfToken, csrfValid } from './lib/csrf.ts'
import { messagePage, page } from './lib/pages.ts'

export interface AccountsDeps {
  vault: Vault
  baseUrl: string
  serverName: string
  secret: string
  logger: Logger
  requireUser(c: Context, returnTo: string): Promise<string | Response>
}

const when = (ms: number | null): string => (ms === null ? 'never' : new Date(ms).toISOString())

/** The linked-accounts page (`/connect/accounts`): metadata only, and unlink. */
export function accountsRoutes(deps: AccountsDeps): Hono {
  const app = new Hono()

  app.get('/', async (c) => {
    const sub = await deps.requireUser(c, `${deps.baseUrl}/connect/accounts`)
    if (typeof sub !== 'string') return sub
    const accounts = await deps.vault.listCredentials(sub)
    const csrf = csrfToken(deps.secret, 'accounts', sub)
    const name = (provider: string): string =>
      deps.vault.catalog.get(provider)?.display_name ?? provider
    return c.html(
      page(
        'Linked accounts',
        html`<h1>Linked accounts</h1>
          <p>Accounts ${deps.serverName} may use on your behalf.</p>
          ${
            accounts.length === 0
              ? html`<p>No linked accounts.</p>`
              : html`<table>
                  <tr>
                    <th>Provider</th>
                    <th>Account</th>
                    <th>Scopes</th>
                    <th>Last used</th>
                    <th>Status</th>
                    <th></th>
                  </tr>
                  ${accounts.map(
                    (a) =>
                      html`<tr>
                        <td>${name(a.provider)}</td>
                        <td>${a.account}${a.is_default ? ' (default)' : ''}</td>
                        <td>${a.scopes.join(' ')}</td>
                        <td>${when(a.last_used_at)}</td>
                        <td>
                          ${a.status === 'needs_reauth' ? 'needs to be connected again' : 'active'}
                        </td>
                        <td>
                          <form method="post" action="/connect/accounts/unlink">
                            <input type="hidden" name="csrf" value="${csrf}" />
                            <input type="hidden" name="id" value="${a.id}" />
                            <button type="submit">Unlink</button>
                          </form>
                        </td>
                      </tr>`,
                  )}
                </table>`
          }`,
      ),
    )
  })

  app.post('/unlink', async (c) => {
    const sub = await deps.requireUser(c, `${deps.baseUrl}/connect/accounts`)
    if (typeof sub !== 'string') return sub
    const form = await c.req.parseBody()
    if (!csrfValid(deps.secret, 'accounts', sub, form['csrf'])) {
      return c.html(messagePage('Request refused', 'The form expired. Open the page again.'), 403)
    }
    const id = form['id']
    if (typeof id !== 'string') return c.html(messagePage('Not found', 'No such account.'), 404)
    try {
      // Keyed by the signed-in `sub`: another user's id is simply not found (catalogue #200).
      await deps.vault.unlinkCredential(sub, id)
    } catch (error) {
      deps.logger.warn('unlink failed', { code: (error as { code?: string }).code })
      return c.html(messagePage('Not found', 'No such account.'), 404)
    }
    return c.redirect('/connect/accounts', 303)
  })

  return app
}
