import { latestGrantId, listGrantRecordsOf, listRecordsOfGrants } from '@mandate/store'
import type { Store } from '@mandate/store'

/** A live grant as the account page and the operator see it: which client, which scopes. */
export interface GrantSummary {
  grantId: string
  clientId: string
  scopes: string[]
}

interface GrantPayload {
  accountId?: string
  clientId?: string
  openid?: { scope?: string }
  resources?: Record<string, string>
}

/** The live grants of one user. Grants are stored by id hash; the id is kept in `grant_id`. */
export async function listGrantsOf(store: Store, accountId: string): Promise<GrantSummary[]> {
  const rows = await listGrantRecordsOf(store, accountId)
  const now = Date.now()
  const out: GrantSummary[] = []
  for (const row of rows) {
    if (row.grant_id === null || (row.expires_at !== null && row.expires_at <= now)) continue
    const payload = JSON.parse(row.payload) as GrantPayload
    // The payload is authoritative; the columns are an index of it.
    if (payload.accountId !== accountId || payload.clientId === undefined) continue
    const scopes = [
      ...(payload.openid?.scope ?? '').split(' '),
      ...Object.values(payload.resources ?? {}).flatMap((s) => s.split(' ')),
    ].filter(Boolean)
    out.push({ grantId: row.grant_id, clientId: payload.clientId, scopes })
  }
  return out
}

/**
 * The id of the grant a user gave a client in an earlier browser session (the one that lives
 * longest, i.e. the most recent), so that consent is not asked again for what it covers.
 */
export function rememberedGrantId(
  store: Store,
  accountId: string,
  clientId: string,
): Promise<string | undefined> {
  return latestGrantId(store, accountId, clientId)
}

/** First and last activity of each grant: its own `iat`, and the newest code/token under it. */
export async function grantActivity(
  store: Store,
  grantIds: readonly string[],
): Promise<Map<string, { first?: number; last?: number }>> {
  const out = new Map<string, { first?: number; last?: number }>()
  for (const row of await listRecordsOfGrants(store, grantIds)) {
    if (row.grant_id === null) continue
    const iat = (JSON.parse(row.payload) as { iat?: number }).iat
    if (iat === undefined) continue
    const entry = out.get(row.grant_id) ?? {}
    if (row.model === 'Grant') entry.first = iat * 1000
    else entry.last = Math.max(entry.last ?? 0, iat * 1000)
    out.set(row.grant_id, entry)
  }
  return out
}
