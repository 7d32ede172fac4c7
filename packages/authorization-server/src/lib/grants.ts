import type { Store } from '@mandate/store'

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
  const rows = await store.db
    .selectFrom('as_oidc_records')
    .select(['grant_id', 'payload', 'expires_at'])
    .where('account_id', '=', accountId)
    .where('model', '=', 'Grant')
    .execute()
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
export async function rememberedGrantId(
  store: Store,
  accountId: string,
  clientId: string,
): Promise<string | undefined> {
  const row = await store.db
    .selectFrom('as_oidc_records')
    .select('grant_id')
    .where('account_id', '=', accountId)
    .where('model', '=', 'Grant')
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', Date.now())]))
    .orderBy('expires_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.grant_id ?? undefined
}
