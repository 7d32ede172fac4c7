import { dataTable, html, relativeTime, t } from '@mandate/core'
import type { SafeHtml, TableColumn } from '@mandate/core'
import { filterField } from './action-form.ts'

/** One audit event as the console lists it. */
export interface AuditRow {
  time: number
  type: string
  outcome: string
  user?: string | undefined
  client?: string | undefined
}

/** The hash chain's state: intact (with its length), or where it first breaks. */
export type AuditChain =
  { ok: true; events: number } | { ok: false; stream: string; seq: number; problem: string }

/** The console's audit filter (each field a substring or exact match, see `queryAuditEvents`). */
export type AuditFilter = Readonly<
  Record<'user' | 'client' | 'type' | 'outcome', string | undefined>
>

const COLUMNS: readonly TableColumn<AuditRow>[] = [
  { heading: 'activity.when', cell: (r) => relativeTime(r.time) },
  { heading: 'activity.what', cell: (r) => html`<code translate="no">${r.type}</code>` },
  { heading: 'admin.user', cell: (r) => r.user ?? '', data: true },
  { heading: 'admin.client', cell: (r) => r.client ?? '', data: true },
  { heading: 'activity.outcome', cell: (r) => r.outcome, data: true },
]

function chainStatus(chain: AuditChain | undefined, exportHref: string): SafeHtml | string {
  if (chain === undefined) return ''
  return html`<p data-testid="audit-chain">
      ${t('admin.chain')}
      ${
        chain.ok
          ? html`<span class="badge ok">${t('admin.chainOk', { n: chain.events })}</span>`
          : html`<span class="badge warn"
              >${t('admin.chainBroken', { stream: chain.stream, seq: chain.seq, problem: chain.problem })}</span
            >`
      }
    </p>
    <p><a href="${exportHref}">${t('admin.export')}</a></p>`
}

function filterForm(filter: AuditFilter): SafeHtml {
  return html`<form class="filters" method="get" action="/admin/audit">
    ${filterField('audit-user', 'user', 'admin.filterUser', filter.user)}
    ${filterField('audit-client', 'client', 'admin.filterClient', filter.client)}
    ${filterField('audit-type', 'type', 'admin.filterType', filter.type)}
    ${filterField('audit-outcome', 'outcome', 'admin.filterOutcome', filter.outcome)}
    <button type="submit" class="secondary">${t('admin.filter')}</button>
  </form>`
}

/**
 * `/admin/audit`: the filter, the hash chain's state with the export link of the filtered
 * events, and the events (undefined rows: no audit trail stored on this server).
 */
export function auditSection(
  rows: AuditRow[] | undefined,
  filter: AuditFilter,
  chain?: AuditChain,
): SafeHtml {
  const form = filterForm(filter)
  const query = new URLSearchParams(
    Object.entries(filter).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]])),
  ).toString()
  const status = chainStatus(chain, `/admin/audit/export${query === '' ? '' : `?${query}`}`)
  if (rows === undefined)
    return html`${form}
      <p>${t('admin.auditUnavailable')}</p>`
  if (rows.length === 0)
    return html`${form}${status}
      <p>${t('admin.noEvents')}</p>`
  return html`${form}${status} ${dataTable({ testId: 'audit', columns: COLUMNS, rows })}`
}
