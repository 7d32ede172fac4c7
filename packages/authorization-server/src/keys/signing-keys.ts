import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair } from 'jose'
import type { JWK } from 'jose'
import {
  insertSigningKey,
  listLiveSigningKeys,
  retireUnscheduledSigningKeys,
  signingKeySchedule,
} from '@mandate/store'
import type { Store } from '@mandate/store'
import { openValue, sealValue } from '@mandate/vault'
import type { KeyWrapper, SealedValueContext } from '@mandate/vault'
import { AuthorizationServerError } from '../errors.ts'

/** The algorithm of every signing key (JWS `alg`, RFC 7518 §3.4). */
export const SIGNING_ALG = 'ES256'
/** Channel on which instances learn that the key set changed. */
export const KEYS_CHANNEL = 'as.signing-keys'

/** The keys an instance signs and publishes with, and when to reload them. */
export interface SigningKeySet {
  /** Private JWKs, the one to sign with first (oidc-provider signs with the first match). */
  keys: JWK[]
  /** When the set must be re-read (a pending key activates or an old one retires). */
  nextChangeAt: number | undefined
}

const sealContext = (kid: string): SealedValueContext => ({
  purpose: 'as_signing_key',
  recordId: kid,
})

/**
 * Loads the signing keys valid now; creates the first key of an installation (once, across
 * instances). The key that signs is the newest already active one; pending keys are
 * published (JWKS) before they sign, retiring keys stay published until their tokens expire.
 */
export async function loadSigningKeys(
  store: Store,
  keys: KeyWrapper,
  now: number = Date.now(),
): Promise<SigningKeySet> {
  let rows = await listLiveSigningKeys(store, now)
  if (rows.length === 0) {
    await store.withLock('as:signing-keys', async () => {
      if ((await listLiveSigningKeys(store, now)).length === 0) {
        await insertKey(store, keys, now, now)
      }
    })
    rows = await listLiveSigningKeys(store, now)
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
    keys: await Promise.all(
      ordered.map(
        async (row) =>
          JSON.parse(await openValue(keys, sealContext(row.kid), row.private_jwk)) as JWK,
      ),
    ),
    nextChangeAt: changes.length > 0 ? Math.min(...changes) : undefined,
  }
}

/** The schedule of a rotation: how long the new key waits, how long old ones stay. */
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
  keys: KeyWrapper,
  options: RotateSigningKeyOptions = {},
): Promise<string> {
  const now = options.now ?? Date.now()
  const activatesAt = now + (options.publishLeadMs ?? 3_600_000)
  const retiresAt = activatesAt + (options.retainMs ?? 86_400_000)
  const kid = await store.withLock('as:signing-keys', async () => {
    await retireUnscheduledSigningKeys(store, retiresAt)
    return insertKey(store, keys, now, activatesAt)
  })
  await store.publish(KEYS_CHANNEL, { kid })
  return kid
}

/** Adds a signing key (activating at `activatesAt`); returns its `kid`. */
export async function insertKey(
  store: Store,
  keys: KeyWrapper,
  now: number,
  activatesAt: number,
): Promise<string> {
  const kid = randomUUID()
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true })
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' }
  await insertSigningKey(store, {
    kid,
    alg: SIGNING_ALG,
    private_jwk: await sealValue(keys, sealContext(kid), JSON.stringify(jwk)),
    created_at: now,
    activates_at: activatesAt,
    retires_at: null,
  })
  return kid
}

/** What the key table holds (kids and schedule): changes when another process edits it. */
export async function signingKeyFingerprint(store: Store): Promise<string> {
  return JSON.stringify(await signingKeySchedule(store))
}
