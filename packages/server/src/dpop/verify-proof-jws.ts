import { constants, KeyObject, verify } from 'node:crypto'
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, EmbeddedJWK } from 'jose'
import type { JWK, JWTPayload, ProtectedHeaderParameters } from 'jose'

// RFC 7518 §3.5: the salt is as long as the hash.
const PSS = {
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
}

/** How each accepted JWS `alg` (RFC 7518 §3, RFC 8037) is checked with `node:crypto`. */
const SIGNATURES: Readonly<
  Record<string, { hash: string | null; options: Record<string, unknown>; rsa: boolean }>
> = Object.freeze({
  ES256: { hash: 'sha256', options: { dsaEncoding: 'ieee-p1363' }, rsa: false },
  ES384: { hash: 'sha384', options: { dsaEncoding: 'ieee-p1363' }, rsa: false },
  ES512: { hash: 'sha512', options: { dsaEncoding: 'ieee-p1363' }, rsa: false },
  RS256: { hash: 'sha256', options: {}, rsa: true },
  RS384: { hash: 'sha384', options: {}, rsa: true },
  RS512: { hash: 'sha512', options: {}, rsa: true },
  PS256: { hash: 'sha256', options: PSS, rsa: true },
  PS384: { hash: 'sha384', options: PSS, rsa: true },
  PS512: { hash: 'sha512', options: PSS, rsa: true },
  EdDSA: { hash: null, options: {}, rsa: false },
  Ed25519: { hash: null, options: {}, rsa: false },
})

const SEGMENT = /^[A-Za-z0-9_-]+$/

// Clients sign every proof with the same key: importing it and hashing its thumbprint once,
// instead of per request, halves the cost of a proof check. Entries are public keys only (jose's
// EmbeddedJWK refuses private ones, and keys for another algorithm or use, before anything is
// cached), bounded in number.
const keyCache = new Map<string, { key: KeyObject; jkt: string }>()
const MAX_KEYS = 1_000

async function embeddedKey(
  header: ProtectedHeaderParameters,
): Promise<{ key: KeyObject; jkt: string }> {
  const id = `${String(header.alg)}\0${JSON.stringify(header.jwk)}`
  const hit = keyCache.get(id)
  if (hit !== undefined) return hit
  const imported = await EmbeddedJWK(header)
  const key = imported instanceof KeyObject ? imported : KeyObject.from(imported)
  // As jose does for RS*/PS* (RFC 7518 §3.3): no RSA keys under 2048 bits.
  const bits = key.asymmetricKeyDetails?.modulusLength
  if (SIGNATURES[String(header.alg)]?.rsa === true && (bits === undefined || bits < 2048))
    throw new Error('rsa key too short')
  const entry = { key, jkt: await calculateJwkThumbprint(header.jwk as JWK, 'sha256') }
  if (keyCache.size >= MAX_KEYS) keyCache.delete(keyCache.keys().next().value ?? '')
  keyCache.set(id, entry)
  return entry
}

/**
 * The signature and JWT checks of a DPoP proof (RFC 9449 §4.3 items 1-6), as `jwtVerify` with
 * `EmbeddedJWK` makes them, but with a synchronous `node:crypto` verify on a cached key instead of
 * a WebCrypto job per proof: compact form only, `typ` `dpop+jwt`, `alg` one of `algorithms`, no
 * `crit` or `b64` (no extension is understood), a public `jwk` fit for `alg`, a valid signature,
 * an object payload, and `nbf`/`exp`, when present, numbers that hold at `nowMs`.
 * @throws Error on any failure (the caller maps it to `invalid_dpop_proof`).
 */
export async function verifyProofJws(
  proof: string,
  algorithms: readonly string[],
  nowMs: number,
): Promise<{ payload: JWTPayload; jkt: string }> {
  const parts = proof.split('.')
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part)))
    throw new Error('not a compact jws')
  const header = decodeProtectedHeader(proof)
  const { alg, typ } = header
  if (typeof typ !== 'string' || typ.toLowerCase().replace(/^application\//, '') !== 'dpop+jwt')
    throw new Error('unexpected typ')
  const signature = typeof alg === 'string' ? SIGNATURES[alg] : undefined
  if (signature === undefined || !algorithms.includes(alg as string))
    throw new Error('alg not allowed')
  if ('crit' in header || 'b64' in header) throw new Error('unsupported jws extension')
  const { key, jkt } = await embeddedKey(header)
  const input = Buffer.from(`${parts[0] ?? ''}.${parts[1] ?? ''}`, 'ascii')
  const bytes = Buffer.from(parts[2] ?? '', 'base64url')
  if (!verify(signature.hash, input, { key, ...signature.options }, bytes))
    throw new Error('signature verification failed')
  const payload = decodeJwt(proof)
  const now = Math.floor(nowMs / 1000)
  const { nbf, exp } = payload
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) throw new Error('nbf')
  if (exp !== undefined && (typeof exp !== 'number' || exp <= now)) throw new Error('exp')
  return { payload, jkt }
}
