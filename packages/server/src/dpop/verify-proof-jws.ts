import { constants, KeyObject, verify } from 'node:crypto'
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK } from 'jose'
import type { JWK, JWTPayload } from 'jose'

// RFC 7518 §3.5: the salt is as long as the hash.
const PSS = {
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
}

interface Signature {
  hash: string | null
  /** `node:crypto` options beyond the key (PSS padding), or none: the bare KeyObject is cheaper. */
  options: Record<string, unknown> | undefined
  rsa: boolean
  /** ECDSA: the length of r and of s in the JWS signature (RFC 7518 §3.4). */
  ecdsa: number
}

/** How each accepted JWS `alg` (RFC 7518 §3, RFC 8037) is checked with `node:crypto`. */
const SIGNATURES: Readonly<Record<string, Signature>> = Object.freeze({
  ES256: { hash: 'sha256', options: undefined, rsa: false, ecdsa: 32 },
  ES384: { hash: 'sha384', options: undefined, rsa: false, ecdsa: 48 },
  ES512: { hash: 'sha512', options: undefined, rsa: false, ecdsa: 66 },
  RS256: { hash: 'sha256', options: undefined, rsa: true, ecdsa: 0 },
  RS384: { hash: 'sha384', options: undefined, rsa: true, ecdsa: 0 },
  RS512: { hash: 'sha512', options: undefined, rsa: true, ecdsa: 0 },
  PS256: { hash: 'sha256', options: PSS, rsa: true, ecdsa: 0 },
  PS384: { hash: 'sha384', options: PSS, rsa: true, ecdsa: 0 },
  PS512: { hash: 'sha512', options: PSS, rsa: true, ecdsa: 0 },
  EdDSA: { hash: null, options: undefined, rsa: false, ecdsa: 0 },
  Ed25519: { hash: null, options: undefined, rsa: false, ecdsa: 0 },
})

const SEGMENT = /^[A-Za-z0-9_-]+$/

/** A proof's protected header, checked, with its public key imported and thumbprinted. */
export interface ProofKey {
  readonly alg: string
  readonly key: KeyObject
  readonly jkt: string
}

// Clients sign every proof with the same header (alg, typ, jwk): the checked header, imported key
// and thumbprint are kept by the exact header segment, so a repeat costs one map lookup instead of
// a base64url + JSON decode, a key import and a hash. Same bytes, same checks: only headers that
// passed every header check are kept (jose's EmbeddedJWK refuses private keys, and keys for
// another algorithm or use), bounded in number and in size.
const keyCache = new Map<string, ProofKey>()
const MAX_KEYS = 1_000
const MAX_CACHED_HEADER = 4_096

/** Splits a compact JWS (RFC 7515 §7.1) into its three unpadded base64url segments. */
export function compactParts(proof: string): [string, string, string] {
  const parts = proof.split('.')
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part)))
    throw new Error('not a compact jws')
  return parts as [string, string, string]
}

/** The cached key of a header seen before, if its `alg` is allowed by this policy. */
export function cachedProofKey(
  header: string,
  algorithms: readonly string[],
): ProofKey | undefined {
  const hit = keyCache.get(header)
  if (hit === undefined) return undefined
  if (!algorithms.includes(hit.alg)) throw new Error('alg not allowed')
  return hit
}

/**
 * The header checks of RFC 9449 §4.3 items 2-5: `typ` `dpop+jwt`, `alg` one of `algorithms`, no
 * `crit` or `b64` (no extension is understood), a public `jwk` fit for `alg`.
 */
export async function importProofKey(
  header: string,
  algorithms: readonly string[],
): Promise<ProofKey> {
  const decoded = decodeProtectedHeader({ protected: header })
  const { alg, typ } = decoded
  if (typeof typ !== 'string' || typ.toLowerCase().replace(/^application\//, '') !== 'dpop+jwt')
    throw new Error('unexpected typ')
  const signature = typeof alg === 'string' ? SIGNATURES[alg] : undefined
  if (signature === undefined || !algorithms.includes(alg as string))
    throw new Error('alg not allowed')
  if ('crit' in decoded || 'b64' in decoded) throw new Error('unsupported jws extension')
  const imported = await EmbeddedJWK(decoded)
  const key = imported instanceof KeyObject ? imported : KeyObject.from(imported)
  // As jose does for RS*/PS* (RFC 7518 §3.3): no RSA keys under 2048 bits.
  const bits = key.asymmetricKeyDetails?.modulusLength
  if (signature.rsa && (bits === undefined || bits < 2048)) throw new Error('rsa key too short')
  const jkt = await calculateJwkThumbprint(decoded.jwk as JWK, 'sha256')
  const entry: ProofKey = { alg: alg as string, key, jkt }
  if (header.length <= MAX_CACHED_HEADER) {
    if (keyCache.size >= MAX_KEYS) keyCache.delete(keyCache.keys().next().value ?? '')
    keyCache.set(header, entry)
  }
  return entry
}

/**
 * The signature and payload checks of a DPoP proof (RFC 9449 §4.3 items 1 and 6), as `jwtVerify`
 * makes them: a valid signature by `proofKey`, an object payload, and `nbf`/`exp`, when present,
 * numbers that hold at `nowMs`.
 * @throws Error on any failure (the caller maps it to `invalid_dpop_proof`).
 */
export function verifyProofSignature(
  parts: readonly [string, string, string],
  proofKey: ProofKey,
  nowMs: number,
): JWTPayload {
  const signature = SIGNATURES[proofKey.alg]
  if (signature === undefined) throw new Error('alg not allowed')
  const input = Buffer.from(`${parts[0]}.${parts[1]}`, 'latin1')
  const raw = Buffer.from(parts[2], 'base64url')
  const bytes = signature.ecdsa === 0 ? raw : ecdsaDer(raw, signature.ecdsa)
  const key =
    signature.options === undefined ? proofKey.key : { key: proofKey.key, ...signature.options }
  if (!verify(signature.hash, input, key, bytes)) throw new Error('signature verification failed')
  const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new Error('payload is not an object')
  const now = Math.floor(nowMs / 1000)
  const { nbf, exp } = payload as JWTPayload
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) throw new Error('nbf')
  if (exp !== undefined && (typeof exp !== 'number' || exp <= now)) throw new Error('exp')
  return payload as JWTPayload
}

/**
 * The JWS form of an ECDSA signature, r || s of `size` bytes each (RFC 7518 §3.4), as the DER
 * SEQUENCE of two INTEGERs `node:crypto` reads by default (RFC 3279 §2.2.3): cheaper than its
 * `dsaEncoding: 'ieee-p1363'` option, whose key-and-options object costs more to prepare.
 */
function ecdsaDer(signature: Buffer, size: number): Buffer {
  if (signature.length !== 2 * size) throw new Error('signature length')
  const r = derInteger(signature.subarray(0, size))
  const s = derInteger(signature.subarray(size))
  const length = r.length + s.length
  // P-521 signatures exceed 127 content bytes: the long form of the length (X.690 §8.1.3.5).
  const head = length < 0x80 ? [0x30, length] : [0x30, 0x81, length]
  return Buffer.concat([Buffer.from(head), r, s])
}

function derInteger(value: Buffer): Buffer {
  let start = 0
  while (start < value.length - 1 && value[start] === 0) start++
  const magnitude = value.subarray(start)
  // A set top bit would read as negative (X.690 §8.3): a zero byte keeps it positive.
  const pad = ((magnitude[0] ?? 0) & 0x80) !== 0
  const head = pad ? [0x02, magnitude.length + 1, 0] : [0x02, magnitude.length]
  return Buffer.concat([Buffer.from(head), magnitude])
}
