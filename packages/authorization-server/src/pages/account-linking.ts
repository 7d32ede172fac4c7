import { dataTable, html, relativeTime, t, text } from '@mandate/core'
import type { SafeHtml, StringKey, TableColumn } from '@mandate/core'
import type { HostForm, LinkedAccountSummary, PendingApprovalSummary } from '../options.ts'

/**
 * A host's form (relink, open, cancel) as a one-button form. Only a same-origin path is
 * rendered as the target: the host's list never sends the browser elsewhere.
 */
function hostForm(form: HostForm, label: StringKey, ariaLabel: string, danger = false) {
  if (!form.action.startsWith('/') || form.action.startsWith('//')) return ''
  return html`<form class="inline" method="post" action="${form.action}">
    ${Object.entries(form.fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
    <button
      type="submit"
      class="small ${danger ? 'danger' : 'secondary'}"
      aria-label="${ariaLabel}"
    >
      ${t(label)}
    </button>
  </form>`
}

const LINKED_COLUMNS: readonly TableColumn<LinkedAccountSummary>[] = [
  { heading: 'linked.provider', cell: (a) => a.provider, data: true },
  { heading: 'linked.account', cell: (a) => a.account, data: true },
  {
    heading: 'linked.scopes',
    cell: (a) => html`<code translate="no">${a.scopes.join(' ')}</code>`,
  },
  { heading: 'linked.lastUsed', cell: (a) => relativeTime(a.lastUsedAt) },
  {
    heading: 'linked.status',
    cell: (a) => (a.needsReauth ? t('linked.needsReauth') : t('linked.active')),
  },
  {
    heading: 'linked.actions',
    cell: (a) =>
      a.relink === undefined
        ? ''
        : hostForm(
            a.relink,
            'linked.relink',
            text('linked.relinkLabel', { provider: a.provider, account: a.account }),
          ),
  },
]

/** `/account`'s linked accounts (from the host's `linkedAccounts`), each with relink. */
export function linkedSection(linked: LinkedAccountSummary[] | undefined): SafeHtml | string {
  if (linked === undefined) return ''
  if (linked.length === 0) return html`<p>${t('linked.none')}</p>`
  return dataTable({ testId: 'linked', columns: LINKED_COLUMNS, rows: linked })
}

const PENDING_COLUMNS: readonly TableColumn<PendingApprovalSummary>[] = [
  { heading: 'linked.provider', cell: (p) => p.provider, data: true },
  {
    heading: 'linked.scopes',
    cell: (p) => html`<code translate="no">${p.scopes.join(' ')}</code>`,
  },
  { heading: 'pending.requested', cell: (p) => relativeTime(p.requestedAt) },
  {
    heading: 'linked.actions',
    cell: (p) =>
      html`${hostForm(p.open, 'pending.open', text('pending.openLabel', { provider: p.provider }))}
      ${hostForm(p.cancel, 'pending.cancel', text('pending.cancelLabel', { provider: p.provider }), true)}`,
  },
]

/** `/account`'s pending approvals (the host's `pendingApprovals`): open or cancel each. */
export function pendingSection(pending: PendingApprovalSummary[] | undefined): SafeHtml | string {
  if (pending === undefined) return ''
  return html`<h2>${t('pending.title')}</h2>
    <p>${t('pending.explain')}</p>
    ${
      pending.length === 0
        ? html`<p>${t('pending.none')}</p>`
        : dataTable({ testId: 'pending', columns: PENDING_COLUMNS, rows: pending })
    }`
}
