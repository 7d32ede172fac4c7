import { hash } from 'node:crypto'
import { canonicalUrl } from '@mandate/core'
import type { DpopNonces } from './dpop-nonces.ts'
import { DpopProofError } from './dpop-proof-error.ts'
import {
  cachedProofKey,
  compactParts,
  importProofKey,
  verifyProofSignature,
} from './verify-proof-jws.ts'

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

/**
 * Validates a DPoP proof at a resource server (RFC 9449 §4.3 and §7.1). Order matters: the
 * signature first, then the claims, the nonce, replay, and only then the key binding, so that a
 * binding failure never acts as an oracle for a replayed proof (catalogue #123).
 * @throws DpopProofError (`invalid_dpop_proof` or `use_dpop_nonce`).
 */
export async function verifyDpopProof(check: DpopCheck): Promise<{ jkt: string }> {
  const nowMs = (check.now ?? Date.now)()
  let payload: Record<string, unknown>
  let jkt: string
  try {
    const parts = compactParts(check.proof)
    // A header seen before needs no await: one fewer turn of the event loop per proof.
    const proofKey =
      cachedProofKey(parts[0], check.algorithms) ??
      (await importProofKey(parts[0], check.algorithms))
    payload = verifyProofSignature(parts, proofKey, nowMs)
    jkt = proofKey.jkt
  } catch (cause) {
    throw new DpopProofError('invalid_dpop_proof', 'invalid dpop proof', cause)
  }
  const { jti, htm, htu, iat, ath, nonce } = payload
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
    fail('dpop proof jti missing')
  if (htm !== check.method) fail('dpop proof htm mismatch')
  // §4.3 item 9: compare without query and fragment, scheme and host normalised.
  // An htu equal to the endpoint's URL has the same canonical form (the usual case, no parse).
  const expectedHtu = canonicalEndpoint(check.url)
  if (
    typeof htu !== 'string' ||
    expectedHtu === undefined ||
    (htu !== check.url && canonicalUrl(htu) !== expectedHtu)
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
  // One-shot `hash`: no Hash object per digest (two per proof).
  const expectedAth = hash('sha256', check.accessToken, 'base64url')
  if (typeof ath !== 'string' || ath !== expectedAth) fail('dpop proof ath mismatch')
  if (check.nonces !== undefined && (typeof nonce !== 'string' || !check.nonces.isValid(nonce))) {
    throw new DpopProofError('use_dpop_nonce', 'dpop nonce required')
  }
  const key = hash('sha256', `${jkt}\0${jti}`, 'base64url')
  const ttlMs = (check.maxAgeSeconds + 2 * check.clockToleranceSeconds) * 1000
  if (!(await check.replay(`dpop:${key}`, ttlMs))) fail('dpop proof replayed')
  if (jkt !== check.expectedJkt) fail('dpop key does not match token binding')
  return { jkt }
}

// The endpoint's URL is the same on every call: its canonical form is kept (one entry).
let endpoint: { url: string; canonical: string | undefined } | undefined
function canonicalEndpoint(url: string): string | undefined {
  if (endpoint?.url !== url) endpoint = { url, canonical: canonicalUrl(url) }
  return endpoint.canonical
}

function fail(reason: string): never {
  throw new DpopProofError('invalid_dpop_proof', reason)
}
