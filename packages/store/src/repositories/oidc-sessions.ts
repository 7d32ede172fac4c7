import type { Store } from '../store.ts'

/** An oidc-provider `Session` record (a browser signed in at the authorization server). */
export interface SessionRecord {
  id_hash: string
  payload: string
  uid_hash: string | null
  expires_at: number | null
}

/**
 * Browser sessions, all of them or those whose payload mentions `text` (a coarse pre-filter:
 * sessions are keyed by an opaque id, so callers check the parsed payload). LIKE wildcards,
 * backslashes and quotes are dropped from `text`.
 */
export async function listSessionRecords(
  store: Pick<Store, 'db'>,
  text?: string,
): Promise<SessionRecord[]> {
  let query = store.db
    .selectFrom('as_oidc_records')
    .select(['id_hash', 'payload', 'uid_hash', 'expires_at'])
    .where('model', '=', 'Session')
  if (text !== undefined)
    query = query.where('payload', 'like', `%${text.replace(/[%_\\"]/g, '')}%`)
  return query.execute()
}

/** Ends browser sessions by the hashes of their ids. */
export async function deleteSessionRecords(
  store: Pick<Store, 'db'>,
  idHashes: readonly string[],
): Promise<void> {
  if (idHashes.length === 0) return
  await store.db
    .deleteFrom('as_oidc_records')
    .where('model', '=', 'Session')
    .where('id_hash', 'in', idHashes)
    .execute()
}
