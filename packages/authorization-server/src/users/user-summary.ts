import type { UserRow } from '@mandate/store'
import { AuthorizationServerError } from '../errors.ts'

/** A local user as the operator CLI, the pages and oidc-provider's `findAccount` see it. */
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

/** The outcome of a password check; `retryAfterMs` tells a locked name when to try again. */
export type LoginResult =
  | { ok: true; user: UserSummary }
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled'; retryAfterMs?: number }

const MIN_PASSWORD_LENGTH = 8

/** Usernames are kept trimmed and lower-case; every lookup by name goes through this. */
export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase()
}

/** @throws AuthorizationServerError `ERR_AS_PASSWORD_POLICY` for a password too short */
export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AuthorizationServerError(
      'ERR_AS_PASSWORD_POLICY',
      `password must have at least ${String(MIN_PASSWORD_LENGTH)} characters`,
    )
  }
}

/** @throws AuthorizationServerError `ERR_AS_USER_NOT_FOUND` unless `found` */
export function requireFound(found: boolean): asserts found {
  if (!found) throw new AuthorizationServerError('ERR_AS_USER_NOT_FOUND', 'no such user')
}

/** The public view of a stored user (no hashes, no sealed secrets). */
export function summary(row: UserRow): UserSummary {
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

/** A new user row: no second factor, not disabled, created now. */
export function newUserRow(
  fields: Pick<
    UserRow,
    | 'id'
    | 'username'
    | 'display_name'
    | 'email'
    | 'password_hash'
    | 'upstream_issuer'
    | 'upstream_subject'
  >,
): UserRow {
  return {
    ...fields,
    disabled_at: null,
    totp_secret: null,
    totp_enrolled_at: null,
    totp_last_step: null,
    recovery_codes: null,
    created_at: Date.now(),
  }
}
