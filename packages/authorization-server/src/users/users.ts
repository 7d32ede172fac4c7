import { randomBytes, randomUUID } from 'node:crypto'
import type { Selectable } from 'kysely'
import type { Database, Store } from '@mandate/store'
import type { KeyRing } from '@mandate/vault'
import { AuthorizationServerError } from '../errors.ts'
import { dummyHash, hashPassword, verifyPassword } from '../lib/password.ts'
import { sha256Hex } from '../lib/hash.ts'
import { seal, unseal } from '../lib/seal.ts'
import { precompiled } from '../lib/precompiled.ts'
import { generateTotpSecret, verifyTotp } from '../lib/totp.ts'

export interface UserSummary {
  id: string
  username: string
  displayName: string | null
  email: string | null
  disabled: boolean
  mfa: boolean
  upstreamIssuer: string | null
  createdAt: Date
}

export type LoginResult =
  | { ok: true; user: UserSummary }
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled'; retryAfterMs?: number }

// Lockout with backoff: after 5 consecutive failures, each further failure locks the account
// for 30 s doubling up to 15 min. Failures while locked do not extend the lock (no
// lock-out-forever by a third party) and are not even checked against the hash.
const FREE_FAILURES = 5
const BASE_LOCK_MS = 30_000
const MAX_LOCK_MS = 15 * 60_000
const MIN_PASSWORD_LENGTH = 8

/** Local user accounts: the operations behind `mandate users …` and the login page. */
export class Users {
  readonly #store: Store
  readonly #keyRing: KeyRing | undefined
  // Every token request looks the account up (oidc-provider's findAccount), so that a
  // disabled account stops refreshing at once: one prepared query, no per-call building.
  readonly #byId: (id: string) => Promise<{ rows: Selectable<Database['as_users']>[] }>

  constructor(store: Store, keyRing?: KeyRing) {
    this.#store = store
    this.#keyRing = keyRing
    this.#byId = precompiled(store.db, 1, (id: string) =>
      store.db.selectFrom('as_users').selectAll().where('id', '=', id),
    )
  }

  async add(input: {
    username: string
    password?: string
    displayName?: string
    email?: string
  }): Promise<UserSummary> {
    const username = input.username.trim().toLowerCase()
    if (!/^[a-z0-9._@-]{1,200}$/.test(username)) {
      throw new AuthorizationServerError(
        'ERR_AS_CONFIG',
        'username may contain a-z 0-9 . _ @ - only',
      )
    }
    if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) {
      throw new AuthorizationServerError(
        'ERR_AS_PASSWORD_POLICY',
        `password must have at least ${String(MIN_PASSWORD_LENGTH)} characters`,
      )
    }
    if ((await this.#row('username', username)) !== undefined) {
      throw new AuthorizationServerError('ERR_AS_USER_EXISTS', 'user already exists')
    }
    const id = randomUUID()
    await this.#store.db
      .insertInto('as_users')
      .values({
        id,
        username,
        display_name: input.displayName ?? null,
        email: input.email ?? null,
        password_hash: input.password === undefined ? null : await hashPassword(input.password),
        upstream_issuer: null,
        upstream_subject: null,
        disabled_at: null,
        locked_until: null,
        totp_secret: null,
        totp_enrolled_at: null,
        totp_last_step: null,
        recovery_codes: null,
        created_at: Date.now(),
      })
      .execute()
    return this.#require(id)
  }

  async list(): Promise<UserSummary[]> {
    const rows = await this.#store.db
      .selectFrom('as_users')
      .selectAll()
      .orderBy('username')
      .execute()
    return rows.map(summary)
  }

  async get(id: string): Promise<UserSummary | undefined> {
    const row = (await this.#byId(id)).rows[0]
    return row === undefined ? undefined : summary(row)
  }

  async findByUsername(username: string): Promise<UserSummary | undefined> {
    const row = await this.#row('username', username.trim().toLowerCase())
    return row === undefined ? undefined : summary(row)
  }

  async setDisabled(username: string, disabled: boolean): Promise<void> {
    const result = await this.#store.db
      .updateTable('as_users')
      .set({ disabled_at: disabled ? Date.now() : null })
      .where('username', '=', username.trim().toLowerCase())
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n)
      throw new AuthorizationServerError('ERR_AS_USER_NOT_FOUND', 'no such user')
  }

  async setPassword(username: string, password: string): Promise<void> {
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new AuthorizationServerError(
        'ERR_AS_PASSWORD_POLICY',
        `password must have at least ${String(MIN_PASSWORD_LENGTH)} characters`,
      )
    }
    const result = await this.#store.db
      .updateTable('as_users')
      .set({ password_hash: await hashPassword(password), failed_logins: 0, locked_until: null })
      .where('username', '=', username.trim().toLowerCase())
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n)
      throw new AuthorizationServerError('ERR_AS_USER_NOT_FOUND', 'no such user')
  }

  /** Removes the TOTP enrolment and recovery codes (the user enrols again at next login). */
  async resetMfa(username: string): Promise<void> {
    const result = await this.#store.db
      .updateTable('as_users')
      .set({
        totp_secret: null,
        totp_enrolled_at: null,
        totp_last_step: null,
        recovery_codes: null,
      })
      .where('username', '=', username.trim().toLowerCase())
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n)
      throw new AuthorizationServerError('ERR_AS_USER_NOT_FOUND', 'no such user')
  }

  /** Replaces an enrolled user's recovery codes with ten new ones (the old ones stop working). */
  async regenerateRecoveryCodes(id: string): Promise<string[]> {
    const codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex'))
    const result = await this.#store.db
      .updateTable('as_users')
      .set({ recovery_codes: JSON.stringify(codes.map(sha256Hex)) })
      .where('id', '=', id)
      .where('totp_enrolled_at', 'is not', null)
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n)
      throw new AuthorizationServerError('ERR_AS_MFA_NOT_ENROLLED', 'no second factor enrolled')
    return codes
  }

  /** Checks a password with lockout and backoff. */
  async verifyLogin(
    username: string,
    password: string,
    now: number = Date.now(),
  ): Promise<LoginResult> {
    const row = await this.#row('username', username.trim().toLowerCase())
    if (row?.password_hash == null) {
      await verifyPassword(password, await dummyHash())
      return { ok: false, reason: 'invalid' }
    }
    if (row.locked_until !== null && row.locked_until > now) {
      return { ok: false, reason: 'locked', retryAfterMs: row.locked_until - now }
    }
    const valid = await verifyPassword(password, row.password_hash)
    if (!valid) {
      const failures = row.failed_logins + 1
      const over = failures - FREE_FAILURES
      const lockedUntil =
        over > 0 ? now + Math.min(BASE_LOCK_MS * 2 ** (over - 1), MAX_LOCK_MS) : null
      await this.#store.db
        .updateTable('as_users')
        .set({ failed_logins: failures, locked_until: lockedUntil })
        .where('id', '=', row.id)
        .execute()
      return { ok: false, reason: 'invalid' }
    }
    if (row.disabled_at !== null) return { ok: false, reason: 'disabled' }
    await this.#store.db
      .updateTable('as_users')
      .set({ failed_logins: 0, locked_until: null })
      .where('id', '=', row.id)
      .execute()
    return { ok: true, user: summary(row) }
  }

  /** Starts a TOTP enrolment: a new secret, stored sealed but not active until confirmed. */
  async beginTotp(id: string): Promise<string> {
    const secret = generateTotpSecret()
    await this.#store.db
      .updateTable('as_users')
      .set({
        totp_secret: seal(this.#keyRing, secret, `mandate:totp:${id}`),
        totp_enrolled_at: null,
      })
      .where('id', '=', id)
      .where('totp_enrolled_at', 'is', null)
      .execute()
    return secret
  }

  /** Confirms an enrolment with a first code; returns ten one-time recovery codes. */
  async confirmTotp(
    id: string,
    code: string,
    now: number = Date.now(),
  ): Promise<string[] | undefined> {
    if (!(await this.verifyTotp(id, code, now, true))) return undefined
    const codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex'))
    await this.#store.db
      .updateTable('as_users')
      .set({ totp_enrolled_at: now, recovery_codes: JSON.stringify(codes.map(sha256Hex)) })
      .where('id', '=', id)
      .execute()
    return codes
  }

  /**
   * Checks a TOTP code (or a recovery code, consumed on use). A code's time step is accepted
   * once only (RFC 6238 §5.2), atomically across instances.
   */
  async verifyTotp(
    id: string,
    code: string,
    now: number = Date.now(),
    enrolling = false,
  ): Promise<boolean> {
    const row = await this.#row('id', id)
    if (row?.totp_secret == null) return false
    if (!enrolling && row.totp_enrolled_at === null) return false
    const trimmed = code.replace(/\s+/g, '')
    const secret = unseal(this.#keyRing, row.totp_secret, `mandate:totp:${id}`)
    const step = verifyTotp(secret, trimmed, now)
    if (step !== undefined) {
      const result = await this.#store.db
        .updateTable('as_users')
        .set({ totp_last_step: step })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    }
    if (enrolling || row.recovery_codes === null) return false
    const hashes = JSON.parse(row.recovery_codes) as string[]
    const hash = sha256Hex(trimmed.toLowerCase())
    if (!hashes.includes(hash)) return false
    const result = await this.#store.db
      .updateTable('as_users')
      .set({ recovery_codes: JSON.stringify(hashes.filter((h) => h !== hash)) })
      .where('id', '=', id)
      .where('recovery_codes', '=', row.recovery_codes)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** Finds or creates the local user linked to an upstream identity (upstream login). */
  async linkUpstream(
    issuer: string,
    subject: string,
    claims: { email?: string; name?: string },
  ): Promise<UserSummary> {
    const existing = await this.#store.db
      .selectFrom('as_users')
      .selectAll()
      .where('upstream_issuer', '=', issuer)
      .where('upstream_subject', '=', subject)
      .executeTakeFirst()
    if (existing !== undefined) return summary(existing)
    const id = randomUUID()
    await this.#store.db
      .insertInto('as_users')
      .values({
        id,
        username: `upstream-${sha256Hex(`${issuer} ${subject}`).slice(0, 16)}`,
        display_name: claims.name ?? null,
        email: claims.email ?? null,
        password_hash: null,
        upstream_issuer: issuer,
        upstream_subject: subject,
        disabled_at: null,
        locked_until: null,
        totp_secret: null,
        totp_enrolled_at: null,
        totp_last_step: null,
        recovery_codes: null,
        created_at: Date.now(),
      })
      .onConflict((conflict) =>
        conflict.columns(['upstream_issuer', 'upstream_subject']).doNothing(),
      )
      .execute()
    return await this.linkUpstream(issuer, subject, claims)
  }

  async #require(id: string): Promise<UserSummary> {
    const user = await this.get(id)
    if (user === undefined)
      throw new AuthorizationServerError('ERR_AS_USER_NOT_FOUND', 'no such user')
    return user
  }

  #row(column: 'id' | 'username', value: string) {
    return this.#store.db
      .selectFrom('as_users')
      .selectAll()
      .where(column, '=', value)
      .executeTakeFirst()
  }
}

function summary(row: {
  id: string
  username: string
  display_name: string | null
  email: string | null
  disabled_at: number | null
  totp_enrolled_at: number | null
  upstream_issuer: string | null
  created_at: number
}): UserSummary {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    disabled: row.disabled_at !== null,
    mfa: row.totp_enrolled_at !== null,
    upstreamIssuer: row.upstream_issuer,
    createdAt: new Date(row.created_at),
  }
}
