import { Hono } from 'hono'
import type { Context } from 'hono'
import { html } from 'hono/html'
import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { Vault } from '@mandate/vault'
import { csrfToken, csrfValid } from './lib/csrf.ts'
import { messagePage, page } from './lib/pages.ts'
import { findPendingLink, hashLinkId, markLinkDone, markLinkStarted } from './lib/pending-links.ts'
import type { PendingLink } from './lib/pending-links.ts'
import { accountsRoutes } from './accounts-routes.ts'
import type { SignedInUserResolver } from './signed-in-user.ts'

export interface ConnectDeps {
  store: Store
  vault: Vault
  baseUrl: string
  serverName: string
  signedInUser: SignedInUserResolver
  signInUrl: ((returnTo: string) => string) | undefined
  secret: string
  logger: Logger
  now: () => number
  completed(link: PendingLink): Promise<void>
}

export const LINK_ID = /^[A-Za-z0-9_-]{43}$/

/** The connect pages, under `/connect`. */
export function connectRoutes(deps: ConnectDeps): Hono {
  const app = new Hono()
  const redirectUri = `${deps.baseUrl}/connect/callback`

  app.use('*', async (c, next) => {
    await next()
    // Never framed (catalogue #16), never cached, no Referer leaking the link id to a provider.
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
    )
    c.header('X-Frame-Options', 'DENY')
    c.header('Referrer-Policy', 'no-referrer')
    c.header('Cache-Control', 'no-store')
    c.header('X-Content-Type-Options', 'nosniff')
  })

  /** The signed-in user, or a response (sign in first). */
  const requireUser = async (c: Context, returnTo: string): Promise<string | Response> => {
    const sub = await deps.signedInUser(c)
    if (sub !== undefined) return sub
    if (deps.signInUrl !== undefined) return c.redirect(deps.signInUrl(returnTo), 303)
    return c.html(
      messagePage(
        'Sign in first',
        'Sign in to this server in this browser, then open the link again.',
      ),
      401,
    )
  }

  /** Loads a link the signed-in user may act on, or the refusal page. */
  const loadLink = async (c: Context, id: string, sub: string): Promise<PendingLink | Response> => {
    const link = LINK_ID.test(id)
      ? await findPendingLink(deps.store, { idHash: hashLinkId(id) })
      : undefined
    if (link === undefined)
      return c.html(
        messagePage(
          'Link not found',
          'This link is not valid. Ask the application again for a new one.',
        ),
        404,
      )
    // catalogue #176–177: a link made for one user never links another user's account.
    if (link.sub !== sub) {
      deps.logger.warn('connect link opened by another user', { provider: link.provider })
      return c.html(
        messagePage(
          'This link is not for you',
          'This link was created for another user. Nothing was linked. If someone sent you this link, do not use it.',
        ),
        403,
      )
    }
    if (link.status !== 'pending')
      return c.html(
        messagePage(
          'Link already used',
          'This link has already been used. Ask the application again if you still need to connect.',
        ),
        410,
      )
    if (link.expiresAt <= deps.now())
      return c.html(
        messagePage(
          'Link expired',
          'This link has expired. Ask the application again for a new one.',
        ),
        410,
      )
    return link
  }

  app.route('/accounts', accountsRoutes({ ...deps, requireUser }))

  app.get('/callback', async (c) => {
    const state = c.req.query('state')
    const link = state === undefined ? undefined : await findPendingLink(deps.store, { state })
    if (link?.status !== 'started' || link.transaction === undefined) {
      return c.html(
        messagePage('Link not found', 'This sign-in does not belong to a pending connection.'),
        400,
      )
    }
    const sub = await deps.signedInUser(c)
    if (sub !== link.sub) {
      deps.logger.warn('connect callback reached by another user', { provider: link.provider })
      return c.html(
        messagePage(
          'This link is not for you',
          'You are not signed in as the user who asked for this connection. Nothing was linked.',
        ),
        403,
      )
    }
    try {
      await deps.vault.completeProviderAuthorization({
        sub,
        transaction: link.transaction,
        callbackUrl: c.req.url,
      })
    } catch (error) {
      deps.logger.warn('provider authorization failed', {
        provider: link.provider,
        code: (error as { code?: string }).code,
      })
      return c.html(
        messagePage(
          'Connection failed',
          'The provider did not complete the connection. Ask the application again to retry.',
        ),
        400,
      )
    }
    if (await markLinkDone(deps.store, link.idHash, deps.now())) await deps.completed(link)
    const name = deps.vault.catalog.get(link.provider)?.display_name ?? link.provider
    return c.html(
      messagePage(
        'Connected',
        `Your ${name} account is connected to ${deps.serverName}. You can close this page and return to the application.`,
      ),
    )
  })

  app.get('/:id', async (c) => {
    const id = c.req.param('id')
    const sub = await requireUser(c, `${deps.baseUrl}/connect/${id}`)
    if (typeof sub !== 'string') return sub
    const link = await loadLink(c, id, sub)
    if (link instanceof Response) return link
    const provider = deps.vault.catalog.require(link.provider)
    const csrf = csrfToken(deps.secret, `connect:${link.idHash}`, sub)
    const apiKey = provider.kind === 'api_key'
    return c.html(
      page(
        `Connect ${provider.display_name}`,
        html`<h1>Connect ${provider.display_name}</h1>
          <p>
            <strong>${deps.serverName}</strong> asks to use your
            <strong>${provider.display_name}</strong> account on your behalf.
          </p>
          ${
            link.scopes.length > 0
              ? html`<p>Access requested:</p>
                  <ul>
                    ${link.scopes.map((s) => html`<li><code>${s}</code></li>`)}
                  </ul>`
              : ''
          }
          <p>Only continue if you just asked for this in your application.</p>
          <form method="post" action="/connect/${id}">
            <input type="hidden" name="csrf" value="${csrf}" />
            ${
              apiKey
                ? html`<p>
                    <label
                      >Your ${provider.display_name} API key
                      <input type="password" name="api_key" autocomplete="off" required
                    /></label>
                  </p>`
                : ''
            }
            <button type="submit" name="decision" value="allow">
              ${apiKey ? 'Save key' : `Continue to ${provider.display_name}`}
            </button>
            <button type="submit" name="decision" value="deny">Cancel</button>
          </form>`,
      ),
    )
  })

  app.post('/:id', async (c) => {
    const id = c.req.param('id')
    const sub = await requireUser(c, `${deps.baseUrl}/connect/${id}`)
    if (typeof sub !== 'string') return sub
    const link = await loadLink(c, id, sub)
    if (link instanceof Response) return link
    const form = await c.req.parseBody()
    if (!csrfValid(deps.secret, `connect:${link.idHash}`, sub, form['csrf'])) {
      return c.html(
        messagePage(
          'Request refused',
          'The form expired or did not come from this page. Open the link again.',
        ),
        403,
      )
    }
    if (form['decision'] !== 'allow')
      return c.html(messagePage('Cancelled', 'Nothing was connected.'))
    const provider = deps.vault.catalog.require(link.provider)
    if (provider.kind === 'api_key') {
      const key = form['api_key']
      if (typeof key !== 'string' || key === '')
        return c.html(messagePage('No key', 'Type the key and try again.'), 400)
      const transaction = {
        provider: link.provider,
        state: `apikey-${link.idHash}`,
        expires_at: link.expiresAt,
        sealed: '',
      }
      if (!(await markLinkStarted(deps.store, link.idHash, transaction)))
        return c.html(messagePage('Link already used', 'This link has already been used.'), 410)
      try {
        await deps.vault.saveApiKey({
          sub,
          provider: link.provider,
          account: 'default',
          apiKey: key,
        })
      } catch (error) {
        deps.logger.warn('api key refused', {
          provider: link.provider,
          code: (error as { code?: string }).code,
        })
        return c.html(
          messagePage(
            'Key refused',
            'This does not look like a valid key for this provider. Ask the application again.',
          ),
          400,
        )
      }
      if (await markLinkDone(deps.store, link.idHash, deps.now())) await deps.completed(link)
      return c.html(
        messagePage(
          'Connected',
          `Your ${provider.display_name} key is saved. You can close this page and return to the application.`,
        ),
      )
    }
    const { url, transaction } = await deps.vault.startProviderAuthorization({
      sub,
      provider: link.provider,
      scopes: link.scopes,
      redirectUri,
      ttlMs: Math.max(60_000, link.expiresAt - deps.now()),
    })
    // Single use: only the first confirmation of a pending link goes on to the provider.
    if (!(await markLinkStarted(deps.store, link.idHash, transaction))) {
      return c.html(messagePage('Link already used', 'This link has already been used.'), 410)
    }
    return c.redirect(url.href, 303)
  })

  return app
}
