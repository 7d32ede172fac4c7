import { html, t, text } from '@mandate/core'
import { csrfToken } from './csrf.ts'
import { loadedLink, signedInSub } from './connect-flow.ts'
import type { ConnectStep } from './connect-flow.ts'
import { page, SIGNED_IN } from './pages.ts'

/**
 * Step (`GET /connect/<id>`): the confirmation page, saying which server asks for which
 * provider and scopes, with a CSRF token bound to the link and the user; an API-key provider
 * gets a password field (the key is typed here, never into the MCP client).
 */
export const renderConfirmation: ConnectStep = (flow) => {
  const { vault, config, secret } = flow.linking
  const link = loadedLink(flow)
  const provider = vault.catalog.require(link.provider)
  const csrf = csrfToken(secret, `connect:${link.idHash}`, signedInSub(flow))
  const apiKey = provider.kind === 'api_key'
  const params = { provider: provider.display_name, server: config.serverName }
  const body = html`<h1>${t('connect.title', params)}</h1>
    <p>
      ${t('connect.asks', {
        server: html`<strong>${config.serverName}</strong>`,
        provider: html`<strong>${provider.display_name}</strong>`,
      })}
    </p>
    ${
      link.scopes.length > 0
        ? html`<p>${t('connect.requested')}</p>
            <ul>
              ${link.scopes.map((s) => html`<li><code translate="no">${s}</code></li>`)}
            </ul>`
        : ''
    }
    <p>${t('connect.onlyIf')}</p>
    <form method="post" action="/connect/${flow.id ?? ''}">
      <input type="hidden" name="csrf" value="${csrf}" />
      ${
        apiKey
          ? html`<label for="api-key">${t('connect.apiKey', params)}</label>
              <input id="api-key" type="password" name="api_key" autocomplete="off" required />`
          : ''
      }
      <div class="actions">
        <button type="submit" name="decision" value="allow">
          ${apiKey ? t('connect.saveKey') : t('connect.continueTo', params)}
        </button>
        <button type="submit" name="decision" value="deny" class="secondary">
          ${t('connect.cancel')}
        </button>
      </div>
    </form>`
  return Promise.resolve(flow.c.html(page(text('connect.title', params), body, SIGNED_IN)))
}
