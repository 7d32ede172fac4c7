import { deleteSessionRecords, listSessionRecords } from '@mandate/store'
import type { Store } from '@mandate/store'
import { recordWrites } from '../adapter/group-commit.ts'
import { sha256Hex } from '../lib/hash.ts'

/** A browser signed in at the authorization server, as the account page lists it. */
export interface BrowserSession {
  idHash: string
  loginTs: number | undefined
  current: boolean
}

/** The browser sessions of a user (oidc-provider `Session` records). */
export async function sessionsOf(
  store: Pick<Store, 'db'>,
  accountId: string,
  currentUid?: string,
): Promise<BrowserSession[]> {
  const rows = await listSessionRecords(store, accountId)
  const now = Date.now()
  const current = currentUid === undefined ? undefined : sha256Hex(currentUid)
  return rows.flatMap((row) => {
    const payload = JSON.parse(row.payload) as { accountId?: string; loginTs?: number }
    if (payload.accountId !== accountId) return []
    if (row.expires_at !== null && row.expires_at <= now) return []
    return [
      {
        idHash: row.id_hash,
        loginTs: payload.loginTs === undefined ? undefined : payload.loginTs * 1000,
        current: current !== undefined && row.uid_hash === current,
      },
    ]
  })
}

/** Signs a user out of every browser (or of all but the current one). */
export async function endSessions(
  store: Store,
  accountId: string,
  keepUid?: string,
): Promise<number> {
  // Listed and deleted in one write, after any the adapter queued before (group-commit.ts).
  return recordWrites(store)(async (tx) => {
    const sessions = await sessionsOf(tx, accountId, keepUid)
    const ended = sessions.filter((s) => !s.current).map((s) => s.idHash)
    await deleteSessionRecords(tx, ended)
    return ended.length
  })
}
