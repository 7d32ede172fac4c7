import { html, relativeTime, t } from '@mandate/core'
import type { SafeHtml } from '@mandate/core'

/** What the health section shows of this instance. */
export interface AdminHealth {
  database: boolean
  pending: string[]
  issuer: string
  since: number
  /** Users, clients, grants. */
  counts: [number, number, number]
}

/** `/admin/health`: issuer, database, pending migrations, uptime and counts. */
export function healthSection(health: AdminHealth): SafeHtml {
  return html`<dl class="facts" data-testid="health">
    <dt>${t('admin.issuer')}</dt>
    <dd><code translate="no">${health.issuer}</code></dd>
    <dt>${t('admin.database')}</dt>
    <dd>
      ${health.database ? html`<span class="badge ok">${t('admin.databaseOk')}</span>` : html`<span class="badge warn">${t('admin.databaseDown')}</span>`}
    </dd>
    <dt>${t('admin.migrations')}</dt>
    <dd translate="no">${health.pending.length === 0 ? '0' : health.pending.join(', ')}</dd>
    <dt>${t('admin.uptime')}</dt>
    <dd>${relativeTime(health.since)}</dd>
    <dt>${t('admin.counts')}</dt>
    <dd translate="no">${health.counts.join(' / ')}</dd>
  </dl>`
}
