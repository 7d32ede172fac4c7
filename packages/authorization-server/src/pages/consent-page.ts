import { html, t, text } from '@mandate/core'
import type { PageUser, SafeHtml } from '@mandate/core'
import { layout } from './layout.ts'
import { clientCard } from './client-card.ts'
import type { ClientView } from './client-card.ts'
import { scopeLabel } from './scope-label.ts'
import type { ScopeView } from './scope-label.ts'

/** What the consent page shows: the client, where it returns to, and the scopes asked for. */
export interface ConsentView {
  action: string
  abortAction: string
  csrf: string
  user: PageUser
  client: ClientView
  redirectHost: string
  localhostRedirect: boolean
  scopes: (ScopeView & { resource?: string })[]
}

function permissions(view: ConsentView): SafeHtml {
  // A re-consent that adds no permission (e.g. after a second factor): no empty box.
  if (view.scopes.length === 0)
    return html`<p data-testid="no-new-scopes">${t('consent.noNewScopes')}</p>`
  return html`<fieldset>
    <legend>${t('consent.permissions')}</legend>
    ${view.scopes.map(
      (scope, index) =>
        html`<div class="scope">
          <input
            type="checkbox"
            id="scope-${index}"
            name="scope"
            value="${scope.resource ?? ''} ${scope.name}"
            checked
          />
          <label class="inline" for="scope-${index}">${scopeLabel(scope)}</label>
          <details>
            <summary>${t('scope.technical')}</summary>
            <code translate="no">${scope.name}</code>
            ${scope.resource === undefined ? '' : html` <small translate="no">${scope.resource}</small>`}
          </details>
        </div>`,
    )}
  </fieldset>`
}

/**
 * The consent page: the client and where it returns to (with warnings for an unverified client
 * or a localhost redirect), and a box per scope that the person may untick.
 */
export function consentPage(view: ConsentView): string {
  return layout(
    text('consent.title'),
    html`<h1>${t('consent.heading')}</h1>
      <p>${t('consent.wants', { client: html`<strong>${view.client.name}</strong>` })}</p>
      ${clientCard(view.client)}
      <p>
        ${t('consent.returnsTo')}
        <span class="host" translate="no" data-testid="redirect-host">${view.redirectHost}</span>
      </p>
      ${
        view.client.verified
          ? ''
          : html`<p class="warning" role="note">${t('consent.unverified')}</p>`
      }
      ${view.localhostRedirect ? html`<p class="warning" role="note">${t('consent.localhost')}</p>` : ''}
      <form method="post" action="${view.action}">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        ${permissions(view)}
        <button type="submit" autofocus>${t('consent.allow')}</button>
      </form>
      <form method="post" action="${view.abortAction}">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <button type="submit" class="secondary">${t('consent.deny')}</button>
      </form>`,
    { user: view.user },
  )
}
