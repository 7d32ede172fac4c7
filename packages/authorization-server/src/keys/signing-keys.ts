import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair } from 'jose'
import type { JWK } from 'jose'
import type { Store } from '@mandate/store'
import type { KeyRing } from '@mandate/vault'
import { seal, unseal } from '../lib/seal.ts'
import { AuthorizationServerError } from '../errors.ts'

export const SIGNING_ALG = 'ES256'
/** Channel on which instances learn that the key set changed. */
export const KEYS_CHANNEL = 'as.signing-keys'

export interface SigningKeySet {
  /** Private JWKs, the one to sign with first (oidc-provider signs with the first match). */
  keys: JWK[]
  /** When the set must be re-read (a pending key activates or an old one retires). */
  nextChangeAt: number | undefined
}

const aad = (kid: string): string => `mandate:as-signing-key:${kid}`

/**
 * Loads the signing keys valid now; creates the first key of an installation (once, across
 * instances). The key that signs is the newest already active one; pending keys are
 * published (JWKS) before they sign, retiring keys stay published until their tokens expire.
 */
export async function loadSigningKeys(
  store: Store,
  keyRing: KeyRing | undefined,
  now: number = Date.now(),
): Promise<SigningKeySet> {
  let rows = await liveRows(store, now)
  if (rows.length === 0) {
    await store.withLock('as:signing-keys', async () => {
      if ((await liveRows(store, now)).length === 0) await insertKey(store, keyRing, now, now)
    })
    rows = await liveRows(store, now)
  }
  const active = rows.filter((row) => row.activates_at <= now)
  const signer = active.sort((a, b) => b.activates_at - a.activates_at)[0]
  if (signer === undefined) {
    throw new AuthorizationServerError('ERR_AS_NO_SIGNING_KEY', 'no active signing key')
  }
  const ordered = [signer, ...rows.filter((row) => row.kid !== signer.kid)]
  const changes = rows
    .flatMap((row) => [row.activates_at, row.retires_at === null ? NaN : row.retires_at])
    .filter((time) => Number.isFinite(time) && time > now)
  return {
    keys: ordered.map((row) => JSON.parse(unseal(keyRing, row.private_jwk, aad(row.kid))) as JWK),
    nextChangeAt: changes.length > 0 ? Math.min(...changes) : undefined,
  }
}

export interface RotateSigningKeyOptions {
  /** How long the new key is published before it signs, so that verifiers cache it. Default 1 h. */
  publishLeadMs?: number
  /** How long keys replaced by the new one stay published after it activates. Default 24 h. */
  retainMs?: number
  now?: number
}

/**
 * Starts a key rotation without downtime (catalogue #82): adds a key that every instance
 * publishes at once and signs with after `publishLeadMs`; schedules the retirement of the
 * current keys `retainMs` after that. Returns the new key id.
 */
export async function rotateSigningKey(
  store: Store,
  keyRing: KeyRing | undefined,
  options: RotateSigningKeyOptions = {},
): Promise<string> {
  const now = options.now ?? Date.now()
  const activatesAt = now + (options.publishLeadMs ?? 3_600_000)
  const retiresAt = activatesAt + (options.retainMs ?? 86_400_000)
  const kid = await store.withLock('as:signing-keys', async () => {
    await store.db
      .updateTable('as_signing_keys')
      .set({ retires_at: retiresAt })
      .where('retires_at', 'is', null)
      .execute()
    return insertKey(store, keyRing, now, activatesAt)
  })
  await store.publish(KEYS_CHANNEL, { kid })
  return kid
}

async function insertKey(
  store: Store,
  keyRing: KeyRing | undefined,
  now: number,
  activatesAt: number,
): Promise<string> {
  const kid = randomUUID()
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true })
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' }
  await store.db
    .insertInto('as_signing_keys')
    .values({
      kid,
      alg: SIGNING_ALG,
      private_jwk: seal(keyRing, JSON.stringify(jwk), aad(kid)),
      created_at: now,
      activates_at: activatesAt,
      retires_at: null,
    })
    .execute()
  return kid
}

async function liveRows(store: Store, now: number) {
  return store.db
    .selectFrom('as_signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('retires_at', 'is', null), eb('retires_at', '>', now)]))
    .execute()
}
