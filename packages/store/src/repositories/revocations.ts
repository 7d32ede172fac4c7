import { REVOCATION_CHANNEL } from '@mandate/core'
import type { RevocationEvent } from '@mandate/core'
import type { JsonValue, Store } from '../store.ts'

/** A revocation as recorded in the log: the event with its `seq`, `at` and `expires_at`. */
export type RecordedRevocation = RevocationEvent & { seq: number; at: number; expires_at: number }

/**
 * Records a revocation in the log and announces it on {@link REVOCATION_CHANNEL}. The row is
 * written first: an instance that misses the message (dropped LISTEN connection, another SQLite
 * process such as the CLI) finds it on its next catch-up read. Returns the recorded event.
 * @param expiresAt until when consumers must remember it (the longest token it can hit), ms
 */
export async function publishRevocation(
  store: Store,
  event: RevocationEvent,
  expiresAt: number,
  now: number = Date.now(),
): Promise<RecordedRevocation> {
  const body = { ...event, at: now, expires_at: expiresAt }
  delete body.seq
  const row = await store.db
    .insertInto('revocations')
    .values({
      kind: event.type,
      jti: event.type === 'token' ? (event.jti ?? event.token_hash ?? null) : null,
      gid: event.type === 'grant' || event.type === 'token' ? (event.gid ?? null) : null,
      sub: 'sub' in event ? (event.sub ?? null) : null,
      client_id: 'client_id' in event ? (event.client_id ?? null) : null,
      at: now,
      expires_at: expiresAt,
      event: JSON.stringify(body),
    })
    .returning('seq')
    .executeTakeFirstOrThrow()
  const recorded: RecordedRevocation = { ...body, seq: row.seq }
  await store.publish(REVOCATION_CHANNEL, recorded as unknown as JsonValue)
  return recorded
}

/** Live revocations with `seq` after `afterSeq`, in `seq` order, at most `limit`. */
export async function revocationsAfter(
  store: Pick<Store, 'db'>,
  afterSeq: number,
  options: { limit?: number; now?: number } = {},
): Promise<RecordedRevocation[]> {
  const rows = await store.db
    .selectFrom('revocations')
    .select(['seq', 'event'])
    .where('expires_at', '>', options.now ?? Date.now())
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(options.limit ?? 1000)
    .execute()
  return rows.map(toRecorded)
}

/**
 * Live revocations recorded since `sinceMs`, whatever their `seq`: on PostgreSQL a lower `seq`
 * can commit after a higher one was read, so readers re-read a short window (applying an event
 * twice is harmless).
 */
export async function recentRevocations(
  store: Pick<Store, 'db'>,
  sinceMs: number,
  now: number = Date.now(),
): Promise<RecordedRevocation[]> {
  const rows = await store.db
    .selectFrom('revocations')
    .select(['seq', 'event'])
    .where('expires_at', '>', now)
    .where('at', '>=', sinceMs)
    .orderBy('seq')
    .limit(10_000)
    .execute()
  return rows.map(toRecorded)
}

function toRecorded(row: { seq: number; event: string }): RecordedRevocation {
  return { ...(JSON.parse(row.event) as object), seq: row.seq } as RecordedRevocation
}

/**
 * Whether an access token is refused by the log: its `jti` is on the deny-list, or a grant,
 * user or client cut-off at or after its `iat` covers it (the AS's introspection and token
 * exchange ask this; resource servers keep the same state in memory).
 */
export async function isAccessTokenRevoked(
  store: Pick<Store, 'db'>,
  token: { jti: string; gid?: string | undefined; sub: string; clientId: string; iatMs: number },
  now: number = Date.now(),
): Promise<boolean> {
  const row = await store.db
    .selectFrom('revocations')
    .select('seq')
    .where('expires_at', '>', now)
    .where((eb) =>
      eb.or([
        eb.and([eb('kind', '=', 'token'), eb('jti', '=', token.jti)]),
        ...(token.gid === undefined
          ? []
          : [eb.and([eb('kind', '=', 'grant'), eb('gid', '=', token.gid)])]),
        eb.and([eb('kind', '=', 'subject'), eb('sub', '=', token.sub)]),
        eb.and([eb('kind', '=', 'client'), eb('client_id', '=', token.clientId)]),
      ]),
    )
    // Cut-offs hit only tokens issued at or before them (Mandate's `iat` carries ms).
    .where((eb) => eb.or([eb('kind', '=', 'token'), eb('at', '>=', token.iatMs)]))
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** Deletes revocations no token can be hit by any more. */
export async function purgeRevocations(store: Pick<Store, 'db'>, now = Date.now()): Promise<void> {
  await store.db.deleteFrom('revocations').where('expires_at', '<=', now).execute()
}
