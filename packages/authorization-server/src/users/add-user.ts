import { randomUUID } from 'node:crypto'
import { findUpstreamUser, findUser, insertUpstreamUserIfAbsent, insertUser } from '@mandate/store'
import type { Store } from '@mandate/store'
import { AuthorizationServerError } from '../errors.ts'
import { sha256Hex } from '../lib/hash.ts'
import { hashPassword } from '../passwords/password.ts'
import { checkPasswordPolicy, newUserRow, normaliseUsername, summary } from './user-summary.ts'
import type { UserSummary } from './user-summary.ts'

/** What `mandate users add` and the console ask for; without a password, no password sign-in. */
export interface NewUser {
  username: string
  password?: string
  displayName?: string
  email?: string
}

/**
 * Adds a local user (`mandate users add`).
 * @throws AuthorizationServerError `ERR_AS_CONFIG` for a malformed username,
 * `ERR_AS_PASSWORD_POLICY` for a short password, `ERR_AS_USER_EXISTS` for a taken name
 */
export async function addUser(store: Store, input: NewUser): Promise<UserSummary> {
  const username = normaliseUsername(input.username)
  if (!/^[a-z0-9._@-]{1,200}$/.test(username)) {
    throw new AuthorizationServerError('ERR_AS_CONFIG', 'username may contain a-z 0-9 . _ @ - only')
  }
  if (input.password !== undefined) checkPasswordPolicy(input.password)
  if ((await findUser(store, { username })) !== undefined) {
    throw new AuthorizationServerError('ERR_AS_USER_EXISTS', 'user already exists')
  }
  const id = randomUUID()
  await insertUser(
    store,
    newUserRow({
      id,
      username,
      display_name: input.displayName ?? null,
      email: input.email ?? null,
      password_hash: input.password === undefined ? null : await hashPassword(input.password),
      upstream_issuer: null,
      upstream_subject: null,
    }),
  )
  const row = await findUser(store, { id })
  if (row === undefined) throw new AuthorizationServerError('ERR_AS_USER_NOT_FOUND', 'no such user')
  return summary(row)
}

/**
 * Finds or creates the local user linked to an upstream identity (upstream login, ID-JAG `jit`
 * subjects); concurrent first sign-ins of one identity create one user.
 */
export async function linkUpstreamUser(
  store: Store,
  issuer: string,
  subject: string,
  claims: { email?: string; name?: string },
): Promise<UserSummary> {
  const existing = await findUpstreamUser(store, issuer, subject)
  if (existing !== undefined) return summary(existing)
  await insertUpstreamUserIfAbsent(
    store,
    newUserRow({
      id: randomUUID(),
      username: `upstream-${sha256Hex(`${issuer} ${subject}`).slice(0, 16)}`,
      display_name: claims.name ?? null,
      email: claims.email ?? null,
      password_hash: null,
      upstream_issuer: issuer,
      upstream_subject: subject,
    }),
  )
  return await linkUpstreamUser(store, issuer, subject, claims)
}
