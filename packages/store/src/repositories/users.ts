import type { Selectable } from 'kysely'
import { compiledQuery } from '../lib/prepared-query.ts'
import type { AsUserTable } from '../schema.ts'
import type { Store } from '../store.ts'

/** A local user account of the authorization server as stored (`as_users`). */
export type UserRow = Selectable<AsUserTable>

/** How a user row is found: by its id or by its (normalised) username. */
export type UserKey = { id: string } | { username: string }

// Every token request looks the account up (oidc-provider's findAccount), so that a disabled
// account stops refreshing at once: one query compiled once, no per-call building.
const byId = compiledQuery(1, (db, id: string) =>
  db.selectFrom('as_users').selectAll().where('id', '=', id),
)

/** Adds a user row; fails on a taken username or upstream identity (unique indexes). */
export async function insertUser(store: Store, row: UserRow): Promise<void> {
  await store.db.insertInto('as_users').values(row).execute()
}

/**
 * Adds the user linked to an upstream identity unless a user already holds that identity
 * (two first sign-ins racing on several instances create one user).
 */
export async function insertUpstreamUserIfAbsent(store: Store, row: UserRow): Promise<void> {
  await store.db
    .insertInto('as_users')
    .values(row)
    .onConflict((conflict) => conflict.columns(['upstream_issuer', 'upstream_subject']).doNothing())
    .execute()
}

/** The user with this id or username (callers normalise the name), on the hot path for ids. */
export async function findUser(store: Store, key: UserKey): Promise<UserRow | undefined> {
  if ('id' in key) return (await byId(store.db, key.id)).rows[0]
  return store.db
    .selectFrom('as_users')
    .selectAll()
    .where('username', '=', key.username)
    .executeTakeFirst()
}

/** The user linked to an upstream identity (`iss` and `sub` of the upstream IdP). */
export async function findUpstreamUser(
  store: Store,
  issuer: string,
  subject: string,
): Promise<UserRow | undefined> {
  return store.db
    .selectFrom('as_users')
    .selectAll()
    .where('upstream_issuer', '=', issuer)
    .where('upstream_subject', '=', subject)
    .executeTakeFirst()
}

/** Every user, by username. */
export async function listUsers(store: Store): Promise<UserRow[]> {
  return store.db.selectFrom('as_users').selectAll().orderBy('username').execute()
}

/**
 * Ids and usernames of users, all or only those with the given ids or username; for labels
 * (audit records, operator listings).
 */
export async function listUsernames(
  store: Store,
  filter: { ids?: readonly string[]; username?: string } = {},
): Promise<{ id: string; username: string }[]> {
  if (filter.ids?.length === 0) return []
  let query = store.db.selectFrom('as_users').select(['id', 'username'])
  if (filter.ids !== undefined) query = query.where('id', 'in', filter.ids)
  if (filter.username !== undefined) query = query.where('username', '=', filter.username)
  return query.execute()
}

/**
 * Ids of at most `limit` users matching every given attribute (an e-mail address, an upstream
 * issuer with or without its subject): callers asking for two can tell "exactly one" from
 * "ambiguous". Without an e-mail address or an issuer, nothing matches.
 */
export async function findUserIds(
  store: Store,
  match: { email?: string; upstreamIssuer?: string; upstreamSubject?: string },
  limit: number,
): Promise<string[]> {
  // No attribute would match every user.
  if (match.email === undefined && match.upstreamIssuer === undefined) return []
  let query = store.db.selectFrom('as_users').select('id')
  if (match.email !== undefined) query = query.where('email', '=', match.email)
  if (match.upstreamIssuer !== undefined) {
    query = query.where('upstream_issuer', '=', match.upstreamIssuer)
  }
  if (match.upstreamSubject !== undefined) {
    query = query.where('upstream_subject', '=', match.upstreamSubject)
  }
  const rows = await query.limit(limit).execute()
  return rows.map((row) => row.id)
}

/**
 * Changes columns of one user (by id or username). `onlyIf` adds guards (enrolled or not,
 * the recovery codes read before) so that a change races safely with another instance.
 * @returns whether a row was changed
 */
export async function updateUser(
  store: Store,
  key: UserKey,
  changes: Partial<Omit<UserRow, 'id'>>,
  onlyIf: { enrolled?: boolean; recoveryCodes?: string } = {},
): Promise<boolean> {
  let query = store.db.updateTable('as_users').set(changes)
  query = 'id' in key ? query.where('id', '=', key.id) : query.where('username', '=', key.username)
  if (onlyIf.enrolled !== undefined) {
    query = query.where('totp_enrolled_at', onlyIf.enrolled ? 'is not' : 'is', null)
  }
  if (onlyIf.recoveryCodes !== undefined) {
    query = query.where('recovery_codes', '=', onlyIf.recoveryCodes)
  }
  const result = await query.executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Records `step` as the last TOTP time step used, only if it is later than the one recorded:
 * a code is accepted once (RFC 6238 §5.2), atomically across instances.
 * @returns whether the step was new
 */
export async function advanceTotpStep(store: Store, id: string, step: number): Promise<boolean> {
  const result = await store.db
    .updateTable('as_users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Removes a user and their roles. */
export async function deleteUser(store: Store, id: string): Promise<void> {
  await store.db.deleteFrom('as_user_roles').where('user_id', '=', id).execute()
  await store.db.deleteFrom('as_users').where('id', '=', id).execute()
}
