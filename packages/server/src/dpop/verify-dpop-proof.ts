import { createHash } from 'node:crypto'
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose'
import type { CryptoKey, JWK, JWTHeaderParameters } from 'jose'
import { canonicalUrl } from '@mandate/core'
import type { DpopNonces } from './dpop-nonces.ts'
import { DpopProofError } from './dpop-proof-error.ts'

/** Asymmetric algorithms accepted for proofs by default (catalogue #108). */
export const DEFAULT_DPOP_ALGORITHMS = ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] as const

/** One DPoP proof to check at a resource server, with the policy it is checked against. */
export interface DpopCheck {
  /** The `DPoP` header value (exactly one; the caller rejects repeats). */
  proof: string
  method: string
  /** The URL of this endpoint as the client addressed it. */
  url: string
  accessToken: string
  /** The token's `cnf.jkt`. */
  expectedJkt: string
  algorithms: readonly string[]
  /** Accept `iat` this far in the past, seconds (default 60). */
  maxAgeSeconds: number
  /** Accept `iat` this far in the future, and extra age, seconds (default 10). */
  clockToleranceSeconds: number
  /** Atomic set-if-absent across instances (`store.setIfAbsent`). */
  replay: (key: string, ttlMs: number) => Promise<boolean>
  nonces: DpopNonces | undefined
  /** The clock for the `iat` window, ms since the epoch. Default `Date.now`. */
  now?: () => number
}

// Clients sign every proof with the same key: importing it and hashing its thumbprint once,
// instead of per request, halves the cost of a proof check. Entries are public keys only (jose's
// EmbeddedJWK refuses private ones before anything is cached), bounded in number.
const keyCache = new Map<string, { key: CryptoKey; jkt: string }>()
const MAX_KEYS = 1_000

async function embeddedKey(header: JWTHeaderParameters): Promise<{ key: CryptoKey; jkt: string }> {
  const jwk = header.jwk
  const id = `${String(header.alg)}\0${JSON.stringify(jwk)}`
  const hit = keyCache.get(id)
  if (hit !== undefined) return hit
  const key = await EmbeddedJWK(header)
  const entry = { key, jkt: await calculateJwkThumbprint(jwk as JWK, 'sha256') }
  if (keyCache.size >= MAX_KEYS) keyCache.delete(keyCache.keys().next().value ?? '')
  keyCache.set(id, entry)
  return entry
}

/**
 * Validates a DPoP proof at a resource server (RFC 9449 §4.3 and §7.1). Order matters: the
 * signature first, then the claims, the nonce, replay, and only then the key binding, so that a
 * binding failure never acts as an oracle for a replayed proof (catalogue #123).
 * @throws DpopProofError (`invalid_dpop_proof` or `use_dpop_nonce`).
 */
export async function verifyDpopProof(check: DpopCheck): Promise<{ jkt: string }> {
  const nowMs = (check.now ?? Date.now)()
  let payload: Record<string, unknown>
  let jkt = ''
  try {
    const result = await jwtVerify(
      check.proof,
      async (header) => {
        const entry = await embeddedKey(header)
        jkt = entry.jkt
        return entry.key
      },
      { typ: 'dpop+jwt', algorithms: [...check.algorithms], currentDate: new Date(nowMs) },
    )
    payload = result.payload
  } catch (cause) {
    throw new DpopProofError('invalid_dpop_proof', 'invalid dpop proof', cause)
  }
  const { jti, htm, htu, iat, ath, nonce } = payload
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
    fail('dpop proof jti missing')
  if (htm !== check.method) fail('dpop proof htm mismatch')
  // §4.3 item 9: compare without query and fragment, scheme and host normalised.
  if (
    typeof htu !== 'string' ||
    canonicalUrl(htu) === undefined ||
    canonicalUrl(htu) !== canonicalUrl(check.url)
  ) {
    fail('dpop proof htu mismatch')
  }
  const now = nowMs / 1000
  if (typeof iat !== 'number' || !Number.isFinite(iat)) fail('dpop proof iat missing')
  if (
    iat > now + check.clockToleranceSeconds ||
    iat < now - check.maxAgeSeconds - check.clockToleranceSeconds
  ) {
    fail('dpop proof iat outside window')
  }
  const expectedAth = createHash('sha256').update(check.accessToken).digest('base64url')
  if (typeof ath !== 'string' || ath !== expectedAth) fail('dpop proof ath mismatch')
  if (check.nonces !== undefined && (typeof nonce !== 'string' || !check.nonces.isValid(nonce))) {
    throw new DpopProofError('use_dpop_nonce', 'dpop nonce required')
  }
  const key = createHash('sha256').update(`${jkt}\0${jti}`).digest('base64url')
  const ttlMs = (check.maxAgeSeconds + 2 * check.clockToleranceSeconds) * 1000
  if (!(await check.replay(`dpop:${key}`, ttlMs))) fail('dpop proof replayed')
  if (jkt !== check.expectedJkt) fail('dpop key does not match token binding')
  return { jkt }
}

function fail(reason: string): never {
  throw new DpopProofError('invalid_dpop_proof', reason)
}
