import { html, t, text, translatedOrRaw } from '@mandate/core'
import type { PageUser } from '@mandate/core'
import { layout } from './layout.ts'

/**
 * The error page (rendered by oidc-provider's `renderError` and by our routes). `description`
 * is a strings-table key or text (an English text of the table is translated; protocol text
 * is shown as is). `clientHost` names the application whose error redirect was withheld
 * (RFC 9700 §4.11.2).
 */
export function renderErrorPage(
  error: string,
  description: string | undefined,
  clientHost?: string,
  options: {
    user?: PageUser
    back?: { href: string; label: 'error.backToAccount' | 'error.tryAgain' }
  } = {},
): string {
  return layout(
    text('error.title'),
    html`<h1>${t('error.title')}</h1>
      <div class="error" role="alert">
        <p><code translate="no" data-testid="error-code">${error}</code></p>
        ${description === undefined ? '' : html`<p>${translatedOrRaw(description)}</p>`}
      </div>
      ${
        clientHost === undefined
          ? ''
          : html`<p>
              ${t('error.clientNotVerified', { host: html`<strong data-testid="client-host">${clientHost}</strong>` })}
            </p>`
      }
      ${
        options.back === undefined
          ? html`<p>${t('error.closeWindow')}</p>`
          : html`<p><a href="${options.back.href}">${t(options.back.label)}</a></p>`
      }`,
    { user: options.user },
  )
}
