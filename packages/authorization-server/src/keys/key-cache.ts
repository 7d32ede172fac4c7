import { createLocalJWKSet, importJWK } from 'jose'
import type { CryptoKey, JWK, JWTVerifyGetKey } from 'jose'

// Key sets are rebuilt (new arrays) when signing keys change, so caching by identity never
// serves a retired key set; the entries go with the provider that owned them.
const verifiers = new WeakMap<readonly JWK[], JWTVerifyGetKey>()
const signers = new WeakMap<JWK, Promise<CryptoKey | Uint8Array>>()

/** Public halves of the signing keys, for verifying our own tokens. */
export function publicJwks(keys: readonly JWK[]): { keys: JWK[] } {
  return {
    keys: keys.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }) => pub),
  }
}

/** A verifier over the public halves of `keys`, imported once per key set (not per request). */
export function verifierFor(keys: readonly JWK[]): JWTVerifyGetKey {
  let verifier = verifiers.get(keys)
  if (verifier === undefined) {
    verifier = createLocalJWKSet(publicJwks(keys))
    verifiers.set(keys, verifier)
  }
  return verifier
}

/** The private key of `jwk`, imported once. */
export function signingKeyFor(jwk: JWK, alg: string): Promise<CryptoKey | Uint8Array> {
  let key = signers.get(jwk)
  if (key === undefined) {
    key = importJWK(jwk, alg)
    key.catch(() => signers.delete(jwk))
    signers.set(jwk, key)
  }
  return key
}
