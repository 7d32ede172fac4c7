import { html, t, text } from '@mandate/core'
import type { CredentialMetadata, ProviderDefinition } from '@mandate/vault'
import type { ConnectFlow } from './connect-flow.ts'
import { page, SIGNED_IN } from './pages.ts'

/**
 * The scopes a person may keep or drop when relinking an account: those it was granted, less
 * the provider's default scopes (always requested, e.g. `openid`). Nothing beyond what was
 * granted: a tool's reads are limited to the scopes it declared (catalogue #200) and a tool
 * that needs one the account lacks asks for it itself (`ERR_VAULT_INSUFFICIENT_SCOPE` → link).
 */
export function relinkChoices(provider: ProviderDefinition, account: CredentialMetadata): string[] {
  if (provider.kind === 'api_key') return []
  const always = new Set(provider.default_scopes ?? [])
  return account.scopes.filter((scope) => !always.has(scope))
}

/**
 * The scopes ticked in the choice form (`scope`, repeated), each one of `choices`; undefined
 * when one is not (a forged form asks for nothing more than was granted).
 */
export function chosenScopes(
  form: Record<string, unknown>,
  choices: readonly string[],
): string[] | undefined {
  const raw = form['scope']
  const ticked = raw === undefined ? [] : Array.isArray(raw) ? (raw as unknown[]) : [raw]
  const scopes: string[] = []
  for (const scope of ticked) {
    if (typeof scope !== 'string' || !choices.includes(scope)) return undefined
    if (!scopes.includes(scope)) scopes.push(scope)
  }
  return scopes
}

/**
 * The choice page of `POST /connect/accounts/relink` with `choose=1`: one checkbox per scope
 * (ticked: granted now), posting back to the same action with the same CSRF token.
 */
export function renderScopeChoice(
  flow: ConnectFlow,
  provider: ProviderDefinition,
  account: CredentialMetadata,
  choices: readonly string[],
): Response {
  const params = { provider: provider.display_name, account: account.account }
  const csrf = typeof flow.form?.['csrf'] === 'string' ? flow.form['csrf'] : ''
  const back = flow.form?.['back'] === 'account' ? 'account' : ''
  const body = html`<h1>${t('linked.chooseTitle', params)}</h1>
    <p>${t('linked.chooseExplain', params)}</p>
    <form method="post" action="/connect/accounts/relink" data-testid="relink-scopes">
      <input type="hidden" name="csrf" value="${csrf}" />
      <input type="hidden" name="id" value="${account.id}" />
      <input type="hidden" name="scopes_chosen" value="1" />
      ${back === '' ? '' : html`<input type="hidden" name="back" value="${back}" />`}
      <fieldset>
        <legend>${t('linked.scopes')}</legend>
        ${choices.map(
          (scope, i) =>
            html`<div>
              <input
                id="scope-${String(i)}"
                type="checkbox"
                name="scope"
                value="${scope}"
                checked
              />
              <label for="scope-${String(i)}"><code translate="no">${scope}</code></label>
            </div>`,
        )}
      </fieldset>
      <button type="submit">${t('linked.relinkChosen', params)}</button>
    </form>
    <p><a href="/connect/accounts">${t('linked.title')}</a></p>`
  return flow.c.html(page(text('linked.chooseTitle', params), body, SIGNED_IN))
}
