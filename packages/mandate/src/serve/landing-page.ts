import { html, PAGE_CSP, renderPage, t, text } from '@mandate/core'

/** The page's security headers: the one policy of every page (no inline script or style). */
export const LANDING_PAGE_CSP = PAGE_CSP

/**
 * What a person sees at `/`: what this server is, where to sign in, and where MCP clients and
 * operators find the rest. No secret and nothing per user: the page is the same for everyone.
 */
export function landingPage(publicUrl: URL, demoMcpUrl: string | undefined): string {
  const at = (path: string) => new URL(path, publicUrl).href
  const demo =
    demoMcpUrl === undefined
      ? ''
      : html`<h2>${t('home.try')}</h2>
          <p>
            ${t('home.demo', {
              url: html`<code>${demoMcpUrl}</code>`,
              command: html`<code>mandate connect ${demoMcpUrl}</code>`,
            })}
          </p>`
  return renderPage({
    title: text('home.title'),
    body: html`<h1>${t('home.title')}</h1>
      <p>${t('home.intro')}</p>
      <ul>
        <li><a href="${at('/account')}">${t('home.account')}</a>: ${t('home.accountWhat')}</li>
        <li><a href="${at('/connect/accounts')}">${t('home.linked')}</a></li>
      </ul>
      ${demo}
      <h2>${t('home.developers')}</h2>
      <ul>
        <li>
          ${t('home.metadata')}
          <a href="${at('/.well-known/oauth-authorization-server')}"
            ><code translate="no">/.well-known/oauth-authorization-server</code></a
          >
        </li>
        <li>
          ${t('home.health', {
            healthz: html`<a href="${at('/healthz')}"><code>/healthz</code></a>`,
            readyz: html`<a href="${at('/readyz')}"><code>/readyz</code></a>`,
          })}
        </li>
        <li>
          ${t('home.cli', { help: html`<code>mandate help</code>`, docs: html`<code>docs/</code>` })}
        </li>
      </ul>`,
  })
}
