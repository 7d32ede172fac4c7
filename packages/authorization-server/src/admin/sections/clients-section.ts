import { dataTable, html, relativeTime, t, text } from '@mandate/core'
import type { SafeHtml, StringKey, TableColumn } from '@mandate/core'
import type { AdminClient } from '../admin-clients.ts'
import { actionForm } from './action-form.ts'

const KIND: Readonly<Record<AdminClient['kind'], StringKey>> = {
  configured: 'admin.kind.configured',
  dynamic: 'admin.kind.dynamic',
  cimd: 'admin.kind.cimd',
}

/** Disable or enable, and delete (a configured client is changed in the configuration file). */
function clientActions(csrf: string, c: AdminClient): SafeHtml {
  const field = { client: c.id }
  return html`${
    c.kind === 'configured'
      ? ''
      : c.disabled
        ? actionForm(
            '/admin/clients/enable',
            csrf,
            field,
            'admin.enable',
            text('admin.enableClientLabel', { id: c.id }),
          )
        : actionForm(
            '/admin/clients/disable',
            csrf,
            field,
            'admin.disable',
            text('admin.disableClientLabel', { id: c.id }),
          )
  }
  ${
    c.kind === 'configured'
      ? ''
      : actionForm(
          '/admin/clients/delete',
          csrf,
          field,
          'admin.deleteClient',
          text('admin.deleteClientLabel', { id: c.id }),
          true,
        )
  }`
}

/** `/admin/clients`: every client the server knows, with disable (or enable) and delete. */
export function clientsSection(csrf: string, clients: AdminClient[]): SafeHtml {
  if (clients.length === 0) return html`<p>${t('admin.noClients')}</p>`
  const columns: readonly TableColumn<AdminClient>[] = [
    {
      heading: 'admin.name',
      cell: (c) =>
        html`<span translate="no">${c.name}</span>
          ${c.verified ? html`<span class="badge ok">${t('client.verified')}</span>` : ''}`,
    },
    { heading: 'client.id', cell: (c) => html`<code translate="no">${c.id}</code>` },
    { heading: 'admin.kind', cell: (c) => t(KIND[c.kind]) },
    {
      heading: 'admin.status',
      cell: (c) => (c.disabled ? t('admin.disabled') : t('admin.active')),
    },
    {
      heading: 'client.registered',
      cell: (c) => (c.registeredAt === undefined ? '' : relativeTime(c.registeredAt)),
    },
    { heading: 'admin.actions', cell: (c) => clientActions(csrf, c) },
  ]
  return html`<p>${t('admin.clientsNote')}</p>
    ${dataTable({ testId: 'clients', columns, rows: clients })}`
}
