import type { Store } from '@mandate/store'

/**
 * Remembers whether a 2025-era client declared URL-mode elicitation at `initialize`
 * (`capabilities.elicitation.url`), per user and OAuth client: stateless serving answers each
 * request with a fresh server instance that never saw the handshake.
 */
export async function rememberUrlElicitation(
  store: Store,
  key: { sub: string; clientId: string },
  capabilities: unknown,
  now: number,
): Promise<void> {
  const elicitation = (capabilities as { elicitation?: { url?: unknown } } | undefined)?.elicitation
  const url = typeof elicitation?.url === 'object' && elicitation.url !== null ? 1 : 0
  await store.db
    .insertInto('server_client_capabilities')
    .values({ sub: key.sub, client_id: key.clientId, url_elicitation: url, updated_at: now })
    .onConflict((conflict) =>
      conflict.columns(['sub', 'client_id']).doUpdateSet({ url_elicitation: url, updated_at: now }),
    )
    .execute()
}

export async function declaredUrlElicitation(
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
