import { queryAuditEvents, verifyAuditChain } from '@mandate/store'
import type { Store } from '@mandate/store'
import type { AdminContext, AdminStep } from './admin-env.ts'
import { queryFilter, sectionPage } from './section-page.ts'
import { auditAdminAction } from './admin-action-audit.ts'
import { auditSection } from './sections/audit-section.ts'
import type { AuditChain, AuditFilter } from './sections/audit-section.ts'

const filterOf = (c: AdminContext): AuditFilter => ({
  user: queryFilter(c, 'user'),
  client: queryFilter(c, 'client'),
  type: queryFilter(c, 'type'),
  outcome: queryFilter(c, 'outcome'),
})

/** The filter's set fields only (for the query and the export link). */
const defined = (filter: AuditFilter): Record<string, string> =>
  Object.fromEntries(
    Object.entries(filter).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as const])),
  )

/** The hash chain's state (hashes only: checkpoint signatures need `mandate audit verify`). */
async function chainOf(store: Store): Promise<AuditChain | undefined> {
  const verified = await verifyAuditChain(store).catch(() => undefined)
  if (verified === undefined) return undefined
  if (verified.failure === undefined) return { ok: true, events: verified.events }
  const { stream, seq, problem } = verified.failure
  return { ok: false, stream, seq, problem }
}

/** `GET /admin/audit?user=&client=&type=&outcome=`: the newest 200 matching events. */
export const showAudit: AdminStep = async (c) => {
  const { store } = c.var.deps
  const filter = filterOf(c)
  const rows = await queryAuditEvents(store, {
    ...defined(filter),
    order: 'desc',
    limit: 200,
  }).catch(() => undefined)
  const chain = await chainOf(store)
  const view = rows?.map((e) => ({
    time: e.time,
    type: e.type,
    outcome: e.outcome,
    user: e.user_name ?? e.sub ?? undefined,
    client: e.client_name ?? e.client_id ?? undefined,
  }))
  return sectionPage(c, 'audit', auditSection(view, filter, chain))
}

/** `GET /admin/audit/export`: the filtered events as JSON lines (a read, audited as an action). */
export const exportAudit: AdminStep = async (c) => {
  const { deps, operator: op } = c.var
  const filter = filterOf(c)
  const rows = await queryAuditEvents(deps.store, { ...defined(filter), limit: 100_000 })
  auditAdminAction(deps, op, 'audit.export', new URLSearchParams(defined(filter)).toString())
  c.header('Cache-Control', 'no-store')
  c.header('Content-Disposition', 'attachment; filename="mandate-audit.jsonl"')
  c.header('Content-Type', 'application/x-ndjson; charset=utf-8')
  return c.body(rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length > 0 ? '\n' : ''))
}
