import { dataTable, html, relativeTime, t, text } from '@mandate/core'
import type { SafeHtml, TableColumn } from '@mandate/core'
import type { CredentialMetadata, Vault } from '@mandate/vault'
import { ACCOUNTS_CSRF } from './account-actions.ts'
import { csrfToken } from './csrf.ts'
import { signedInSub } from './connect-flow.ts'
import type { ConnectStep } from './connect-flow.ts'
import { providerName } from './linking-context.ts'
import { page, SIGNED_IN } from './pages.ts'
import { relinkChoices } from './relink-scopes.ts'
import { openLinksOf } from './pending-links.ts'
import type { PendingLink } from './pending-links.ts'

/** The providers this installation offers (its catalog), marking those already linked. */
function offered(vault: Vault, accounts: readonly { provider: string }[]) {
  const linked = new Set(accounts.map((a) => a.provider))
  const providers = vault.catalog.list()
  if (providers.length === 0) return html`<p>${t('linked.noneOffered')}</p>`
  return html`<ul class="providers">
      ${providers.map(
        (p) =>
          html`<li>
            <span translate="no">${p.display_name}</span
            >${linked.has(p.id) ? html` ${t('linked.isLinked')}` : ''}
          </li>`,
      )}
    </ul>
    <p>${t('linked.howToConnect')}</p>`
}

/** The relink (with a choice of scopes when there is one) and unlink forms of one account. */
function accountForms(vault: Vault, account: CredentialMetadata, csrf: string) {
  const names = { provider: providerName(vault, account.provider), account: account.account }
  const form = (path: string, label: string, button: SafeHtml, danger: boolean, choose = false) =>
    html`<form class="inline" method="post" action="/connect/accounts/${path}">
      <input type="hidden" name="csrf" value="${csrf}" />
      <input type="hidden" name="id" value="${account.id}" />
      ${choose ? html`<input type="hidden" name="choose" value="1" />` : ''}
      <button type="submit" class="small ${danger ? 'danger' : 'secondary'}" aria-label="${label}">
        ${button}
      </button>
    </form>`
  const provider = vault.catalog.get(account.provider)
  return html`${
    provider === undefined
      ? ''
      : form('relink', text('linked.relinkLabel', names), t('linked.relink'), false)
  }
  ${
    provider === undefined || relinkChoices(provider, account).length === 0
      ? ''
      : form(
          'relink',
          text('linked.changeScopesLabel', names),
          t('linked.changeScopes'),
          false,
          true,
        )
  }
  ${form('unlink', text('linked.unlinkLabel', names), t('linked.unlink'), true)}`
}

/** The user's pending requests to connect an account, each with open and cancel forms. */
function pendingTable(vault: Vault, links: readonly PendingLink[], csrf: string) {
  if (links.length === 0) return html`<p>${t('pending.none')}</p>`
  const form = (l: PendingLink, path: string, label: string, button: SafeHtml) =>
    html`<form class="inline" method="post" action="/connect/accounts/pending/${path}">
      <input type="hidden" name="csrf" value="${csrf}" />
      <input type="hidden" name="link" value="${l.idHash}" />
      <button type="submit" class="small secondary" aria-label="${label}">${button}</button>
    </form>`
  const columns: TableColumn<PendingLink>[] = [
    { heading: 'linked.provider', data: true, cell: (l) => providerName(vault, l.provider) },
    {
      heading: 'linked.scopes',
      cell: (l) => html`<code translate="no">${l.scopes.join(' ')}</code>`,
    },
    { heading: 'pending.requested', cell: (l) => relativeTime(l.createdAt) },
    {
      heading: 'linked.actions',
      cell: (l) => {
        const provider = providerName(vault, l.provider)
        return html`${form(l, 'open', text('pending.openLabel', { provider }), t('pending.open'))}
        ${form(l, 'cancel', text('pending.cancelLabel', { provider }), t('pending.cancel'))}`
      },
    },
  ]
  return dataTable({ testId: 'pending', columns, rows: links })
}

/** Linked accounts: metadata only (never a secret), each with its unlink form. */
function accountsTable(vault: Vault, accounts: readonly CredentialMetadata[], csrf: string) {
  if (accounts.length === 0) return html`<p>${t('linked.none')}</p>`
  const columns: TableColumn<CredentialMetadata>[] = [
    { heading: 'linked.provider', data: true, cell: (a) => providerName(vault, a.provider) },
    {
      heading: 'linked.account',
      cell: (a) =>
        html`<span translate="no">${a.account}</span
          >${a.is_default ? html` ${t('linked.default')}` : ''}`,
    },
    {
      heading: 'linked.scopes',
      cell: (a) => html`<code translate="no">${a.scopes.join(' ')}</code>`,
    },
    { heading: 'linked.lastUsed', cell: (a) => relativeTime(a.last_used_at) },
    {
      heading: 'linked.status',
      cell: (a) => (a.status === 'needs_reauth' ? t('linked.needsReauth') : t('linked.active')),
    },
    { heading: 'linked.actions', cell: (a) => accountForms(vault, a, csrf) },
  ]
  return dataTable({ testId: 'linked', columns, rows: accounts })
}

/** Step (`GET /connect/accounts`): the signed-in user's linked accounts and what is offered. */
export const renderAccounts: ConnectStep = async (flow) => {
  const { vault, config, secret } = flow.linking
  const sub = signedInSub(flow)
  const accounts = await vault.listCredentials(sub)
  const pending = await openLinksOf(flow.linking.store, sub, config.now())
  const csrf = csrfToken(secret, ACCOUNTS_CSRF, sub)
  const body = html`<h1>${t('linked.title')}</h1>
    <p>${t('linked.explain', { server: config.serverName })}</p>
    ${accountsTable(vault, accounts, csrf)}
    <h2>${t('pending.title')}</h2>
    <p>${t('pending.explain')}</p>
    ${pendingTable(vault, pending, csrf)}
    <h2>${t('linked.offered')}</h2>
    ${offered(vault, accounts)}
    <p><a href="/account">${t('linked.backToAccount')}</a></p>`
  return flow.c.html(page(text('linked.title'), body, SIGNED_IN))
}
