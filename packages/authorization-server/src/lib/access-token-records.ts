import type { Store } from '@mandate/store'
import { sha256Hex } from './hash.ts'
import { precompiled } from './precompiled.ts'

type InsertRecord = (
  jtiHash: string,
  grantId: string | null,
  clientId: string,
  expiresAt: number,
) => Promise<unknown>
const inserts = new WeakMap<Store, InsertRecord>()

/** Records an issued JWT access token by its `jti` (hashed), for revocation and introspection. */
export async function recordAccessToken(
  store: Store,
  token: { jti: string; grantId: string | undefined; clientId: string; exp: number },
): Promise<void> {
  // Once per issued token: prepared once per store (see precompiled.ts).
  let insert = inserts.get(store)
  if (insert === undefined) {
    insert = precompiled(
      store.db,
      4,
      (jtiHash: string, grantId: string | null, clientId: string, expiresAt: number) =>
        store.db
          .insertInto('as_access_tokens')
          .values({
            jti_hash: jtiHash,
            grant_id: grantId,
            client_id: clientId,
            expires_at: expiresAt,
            revoked_at: null,
          })
          .onConflict((conflict) => conflict.column('jti_hash').doNothing()),
    )
    inserts.set(store, insert)
  }
  await insert(sha256Hex(token.jti), token.grantId ?? null, token.clientId, token.exp * 1000)
}

/** The live record of an access token, or undefined when unknown, revoked or expired. */
export async function liveAccessToken(
  store: Store,
  jti: string,
  now: number = Date.now(),
): Promise<{ grantId: string | null; clientId: string } | undefined> {
  const row = await store.db
    .selectFrom('as_access_tokens')
    .select(['grant_id', 'client_id', 'expires_at', 'revoked_at'])
    .where('jti_hash', '=', sha256Hex(jti))
    .executeTakeFirst()
  if (row === undefined || row.revoked_at !== null || row.expires_at <= now) return undefined
  return { grantId: row.grant_id, clientId: row.client_id }
}

export async function revokeAccessToken(store: Store, jti: string): Promise<void> {
  await store.db
    .updateTable('as_access_tokens')
    .set({ revoked_at: Date.now() })
    .where('jti_hash', '=', sha256Hex(jti))
    .execute()
}
