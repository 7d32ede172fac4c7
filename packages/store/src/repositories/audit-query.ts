import type { Store } from '../store.ts'
import type { StoredAuditEvent } from './audit.ts'

/** Filters of `mandate audit list|tail|export`; all optional, combined with AND. */
export interface AuditQuery {
  /** `sub` or user name. */
  user?: string
  client?: string
  tool?: string
  /** Exact type, or a prefix ending in `.` (e.g. `token.`). */
  type?: string
  outcome?: string
  /** Milliseconds since the epoch, inclusive. */
  since?: number
  /** Milliseconds since the epoch, exclusive. */
  until?: number
  /** Only rows with `id` after this (paging, `tail`). */
  afterId?: number
  limit?: number
  /** `asc` (default) or `desc` by id. */
  order?: 'asc' | 'desc'
}

/** Stored events matching `query`, by id. */
export async function queryAuditEvents(
  store: Pick<Store, 'db'>,
  query: AuditQuery,
): Promise<StoredAuditEvent[]> {
  let select = store.db.selectFrom('audit_events').selectAll()
  const { user, client, tool, type, outcome, since, until, afterId } = query
  if (user !== undefined) {
    select = select.where((eb) => eb.or([eb('sub', '=', user), eb('user_name', '=', user)]))
  }
  if (client !== undefined) {
    select = select.where((eb) =>
      eb.or([eb('client_id', '=', client), eb('client_name', '=', client)]),
    )
  }
  if (tool !== undefined) select = select.where('tool', '=', tool)
  if (type !== undefined) {
    select = type.endsWith('.')
      ? select.where('type', 'like', `${type.replace(/[%_\\]/g, '')}%`)
      : select.where('type', '=', type)
  }
  if (outcome !== undefined) select = select.where('outcome', '=', outcome)
  if (since !== undefined) select = select.where('time', '>=', since)
  if (until !== undefined) select = select.where('time', '<', until)
  if (afterId !== undefined) select = select.where('id', '>', afterId)
  const rows = await select
    .orderBy('id', query.order ?? 'asc')
    .limit(query.limit ?? 1000)
    .execute()
  return rows as StoredAuditEvent[]
}
