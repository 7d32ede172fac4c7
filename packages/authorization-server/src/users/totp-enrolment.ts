import { randomBytes } from 'node:crypto'
import { advanceTotpStep, findUser, updateUser } from '@mandate/store'
import type { Store } from '@mandate/store'
import { openValue, sealValue } from '@mandate/vault'
import type { KeyWrapper, SealedValueContext } from '@mandate/vault'
import { AuthorizationServerError } from '../errors.ts'
import { sha256Hex } from '../lib/hash.ts'
import { generateTotpSecret, verifyTotp } from '../mfa/totp.ts'

// A user's second factor: a TOTP secret (RFC 6238) sealed at rest with the installation's keys,
// and ten one-time recovery codes kept as SHA-256 hashes.

function totpContext(id: string): SealedValueContext {
  return { purpose: 'as_totp_secret', recordId: id }
}

function newRecoveryCodes(): { codes: string[]; stored: string } {
  const codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex'))
  return { codes, stored: JSON.stringify(codes.map(sha256Hex)) }
}

/** Starts a TOTP enrolment: a new secret, stored sealed but not active until confirmed. */
export async function beginTotp(store: Store, keys: KeyWrapper, id: string): Promise<string> {
  const secret = generateTotpSecret()
  await updateUser(
    store,
    { id },
    { totp_secret: await sealValue(keys, totpContext(id), secret), totp_enrolled_at: null },
    { enrolled: false },
  )
  return secret
}

/** The secret of an enrolment begun but not confirmed (to show it again after a wrong code). */
export async function pendingTotpSecret(
  store: Store,
  keys: KeyWrapper,
  id: string,
): Promise<string | undefined> {
  const row = await findUser(store, { id })
  if (row?.totp_secret == null || row.totp_enrolled_at !== null) return undefined
  return openValue(keys, totpContext(id), row.totp_secret)
}

/** Confirms an enrolment with a first code; returns ten one-time recovery codes. */
export async function confirmTotp(
  store: Store,
  keys: KeyWrapper,
  id: string,
  code: string,
  now: number,
): Promise<string[] | undefined> {
  if (!(await checkSecondFactor(store, keys, id, code, now, true))) return undefined
  const { codes, stored } = newRecoveryCodes()
  await updateUser(store, { id }, { totp_enrolled_at: now, recovery_codes: stored })
  return codes
}

/**
 * Replaces an enrolled user's recovery codes with ten new ones (the old ones stop working).
 * @throws AuthorizationServerError `ERR_AS_MFA_NOT_ENROLLED`
 */
export async function regenerateRecoveryCodes(store: Store, id: string): Promise<string[]> {
  const { codes, stored } = newRecoveryCodes()
  if (!(await updateUser(store, { id }, { recovery_codes: stored }, { enrolled: true }))) {
    throw new AuthorizationServerError('ERR_AS_MFA_NOT_ENROLLED', 'no second factor enrolled')
  }
  return codes
}

/**
 * Checks a TOTP code (or, unless enrolling, a recovery code, consumed on use). A code's time
 * step is accepted once only (RFC 6238 §5.2), atomically across instances.
 */
export async function checkSecondFactor(
  store: Store,
  keys: KeyWrapper,
  id: string,
  code: string,
  now: number,
  enrolling: boolean,
): Promise<boolean> {
  const row = await findUser(store, { id })
  if (row?.totp_secret == null) return false
  if (!enrolling && row.totp_enrolled_at === null) return false
  const trimmed = code.replace(/\s+/g, '')
  const secret = await openValue(keys, totpContext(id), row.totp_secret)
  const step = verifyTotp(secret, trimmed, now)
  if (step !== undefined) return advanceTotpStep(store, id, step)
  if (enrolling || row.recovery_codes === null) return false
  const hashes = JSON.parse(row.recovery_codes) as string[]
  const hash = sha256Hex(trimmed.toLowerCase())
  if (!hashes.includes(hash)) return false
  // Compare-and-set on the codes read: of two parallel uses of one code, one wins.
  return updateUser(
    store,
    { id },
    { recovery_codes: JSON.stringify(hashes.filter((h) => h !== hash)) },
    { recoveryCodes: row.recovery_codes },
  )
}
