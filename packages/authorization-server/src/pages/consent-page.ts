import { html } from 'hono/html'
import { layout } from './layout.ts'

export interface ConsentView {
  action: string
  abortAction: string
  csrf: string
  clientName: string
  clientHost: string
  redirectHost: string
  localhostRedirect: boolean
  unverified: boolean
  scopes: { value: string; resource?: string }[]
}

export function consentPage(view: ConsentView): string {
  return layout(
    'Allow access',
    html`<h1>Allow access?</h1>
      <p><strong>${view.clientName}</strong> wants to act on your behalf.</p>
      <p>Application: <span class="host" data-testid="client-host">${view.clientHost}</span></p>
      <p>Returns to: <span class="host" data-testid="redirect-host">${view.redirectHost}</span></p>
      ${
        view.unverified
          ? html`<p class="warning" role="note">
              This application registered itself and is not verified by your administrator. Only
              continue if you started this from an application you trust.
            </p>`
          : ''
      }
      ${
        view.localhostRedirect
          ? html`<p class="warning" role="note">
              This application returns to a program on this computer (localhost). Any program on
              your computer could receive this access.
            </p>`
          : ''
      }
      <form method="post" action="${view.action}">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <fieldset>
          <legend>Permissions (untick what you do not want to grant)</legend>
          ${view.scopes.map(
            (scope, index) =>
              html`<div>
                <input
                  type="checkbox"
                  id="scope-${String(index)}"
                  name="scope"
                  value="${scope.resource ?? ''} ${scope.value}"
                  checked
                />
                <label for="scope-${String(index)}" style="display:inline"
                  >${scope.value}${scope.resource === undefined ? '' : html` <small>(${scope.resource})</small>`}</label
                >
              </div>`,
          )}
        </fieldset>
        <button type="submit" autofocus>Allow</button>
      </form>
      <form method="post" action="${view.abortAction}">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <button type="submit">Deny</button>
      </form>`,
  )
}
