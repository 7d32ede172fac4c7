import { createHash } from 'node:crypto'
import type { AuditRecord } from '@mandate/core'
import { findClientRecords, listUsernames } from '@mandate/store'
import type { Store } from '@mandate/store'

const MAX_ENTRIES = 5000
const TTL_MS = 60_000

/**
 * Fills `user_name` and `client_name` of a batch of audit records about to be stored (issue 14:
 * "`sub` and user name, `client_id` and client name"): one query per kind and batch, cached
 * briefly. Run by the sink when it writes, so that lookups never sit on a request's path and
 * waiting events stay visible to the fail-closed bound. Names are labels for readers; the
 * identifiers remain the attribution.
 */
export function auditNames(store: Store): (records: AuditRecord[]) => Promise<void> {
  const users = cache()
  const clients = cache()
  return async (records) => {
    const subs = missing(records, 'sub', 'user_name', users)
    if (subs.length > 0) {
      const rows = await listUsernames(store, { ids: subs })
      users.fill(subs, new Map(rows.map((r) => [r.id, r.username])))
    }
    const clientIds = missing(records, 'client_id', 'client_name', clients)
    if (clientIds.length > 0) {
      const byHash = new Map(clientIds.map((id) => [sha256(id), id]))
      const rows = await findClientRecords(store, [...byHash.keys()])
      const names = new Map<string, string>()
      for (const row of rows) {
        const id = byHash.get(row.id_hash)
        const name = clientName(row.payload)
        if (id !== undefined && name !== undefined) names.set(id, name)
      }
      clients.fill(clientIds, names)
    }
    for (const record of records) {
      if (record.sub !== null) record.user_name ??= users.get(record.sub) ?? null
      if (record.client_id !== null) record.client_name ??= clients.get(record.client_id) ?? null
    }
  }
}

interface Cache {
  get(key: string): string | undefined
  has(key: string): boolean
  fill(keys: readonly string[], found: ReadonlyMap<string, string>): void
}

function cache(): Cache {
  const entries = new Map<string, { value: string | undefined; at: number }>()
  const fresh = (key: string) => {
    const hit = entries.get(key)
    return hit !== undefined && Date.now() - hit.at < TTL_MS ? hit : undefined
  }
  return {
    get: (key) => fresh(key)?.value,
    has: (key) => fresh(key) !== undefined,
    fill(keys, found) {
      for (const key of keys) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value ?? '')
        entries.set(key, { value: found.get(key), at: Date.now() })
      }
    },
  }
}

function missing(
  records: readonly AuditRecord[],
  id: 'sub' | 'client_id',
  name: 'user_name' | 'client_name',
  known: Cache,
): string[] {
  const keys = new Set<string>()
  for (const record of records) {
    const key = record[id]
    if (key !== null && record[name] === null && !known.has(key)) keys.add(key)
  }
  return [...keys]
}

function clientName(payload: string): string | undefined {
  try {
    const name = (JSON.parse(payload) as { client_name?: unknown }).client_name
    return typeof name === 'string' ? name.slice(0, 200) : undefined
  } catch {
    return undefined
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
