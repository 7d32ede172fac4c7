import { dataTable, html, t, text } from '@mandate/core'
import type { SafeHtml, TableColumn } from '@mandate/core'
import type { OperatorGrant } from '../../revocation/operator-grants.ts'
import { actionForm, filterField } from './action-form.ts'

/** A live grant as the console lists it, with its client's name. */
export type AdminGrant = OperatorGrant & { clientName: string }

/** `/admin/grants`: every live grant (filtered by user and client), each revocable. */
export function grantsSection(
  csrf: string,
  grants: AdminGrant[],
  filter: { user?: string | undefined; client?: string | undefined },
): SafeHtml {
  const columns: readonly TableColumn<AdminGrant>[] = [
    { heading: 'admin.user', cell: (g) => g.username ?? g.sub, data: true },
    {
      heading: 'admin.client',
      cell: (g) =>
        html`<span translate="no">${g.clientName}</span> <code translate="no">${g.clientId}</code>`,
    },
    {
      heading: 'admin.scopes',
      cell: (g) => html`<code translate="no">${g.scopes.join(' ')}</code>`,
    },
    {
      heading: 'admin.actions',
      cell: (g) =>
        actionForm(
          '/admin/grants/revoke',
          csrf,
          { grant: g.grantId },
          'admin.revokeGrant',
          text('admin.revokeGrantLabel', { client: g.clientName, user: g.username ?? g.sub }),
          true,
        ),
    },
  ]
  return html`<form class="filters" method="get" action="/admin/grants">
      ${filterField('filter-user', 'user', 'admin.filterUser', filter.user)}
      ${filterField('filter-client', 'client', 'admin.filterClient', filter.client)}
      <button type="submit" class="secondary">${t('admin.filter')}</button>
    </form>
    ${
      grants.length === 0
        ? html`<p>${t('admin.noGrants')}</p>`
        : dataTable({ testId: 'grants', columns, rows: grants })
    }`
}
