import type { Store } from '../store.ts'

/**
 * Records whether a 2025-era client (per user and OAuth client) declared URL-mode elicitation at
 * `initialize` (`server_client_capabilities`): stateless serving never sees the handshake again.
 */
export async function putUrlElicitationCapability(
  store: Store,
  key: { sub: string; clientId: string },
  declared: boolean,
  now: number,
): Promise<void> {
  const url = declared ? 1 : 0
  await store.db
    .insertInto('server_client_capabilities')
    .values({ sub: key.sub, client_id: key.clientId, url_elicitation: url, updated_at: now })
    .onConflict((conflict) =>
      conflict.columns(['sub', 'client_id']).doUpdateSet({ url_elicitation: url, updated_at: now }),
    )
    .execute()
}

/** Whether this user's client declared URL-mode elicitation; false when nothing was recorded. */
export async function hasUrlElicitationCapability(
  store: Store,
  key: { sub: string; clientId: string },
): Promise<boolean> {
  const row = await store.db
    .selectFrom('server_client_capabilities')
    .select('url_elicitation')
    .where('sub', '=', key.sub)
    .where('client_id', '=', key.clientId)
    .executeTakeFirst()
  return row?.url_elicitation === 1
}
