import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import type { ScryptOptions } from 'node:crypto'
import { channel } from 'node:diagnostics_channel'

// scrypt parameters (RFC 7914): N = 2^15, r = 8, p = 1 — about 32 MiB and tens of
// milliseconds per hash, the OWASP password-storage minimum for scrypt.
const PARAMS = { N: 32_768, r: 8, p: 1 } as const
const KEY_LENGTH = 32

/**
 * Published once per scrypt derivation with its parameters (never the input): lets operators
 * and tests observe that every sign-in attempt costs the same work, whatever the username.
 */
export const PASSWORD_HASH_CHANNEL = 'mandate:authorization-server:password-hash'
const hashChannel = channel(PASSWORD_HASH_CHANNEL)

function derive(password: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  if (hashChannel.hasSubscribers) hashChannel.publish({ N: params.N, r: params.r, p: params.p })
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { ...params, maxmem: 64 * 1024 * 1024 },
      (error, key) => {
        if (error) reject(error)
        else resolve(key)
      },
    )
  })
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await derive(password, salt, PARAMS)
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$')
}

/** Constant-time comparison against a stored hash; false for anything malformed. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  })
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

// Verified against when the user does not exist or is locked, so that neither is told apart
// by the work done: the same parameters as a real hash, a random salt and a random expected
// value that no password derives to (nothing is derived to build it).
let dummy: string | undefined
/**
 * A hash to verify against when there is no real one, so that the work done does not tell an
 * unknown or locked name from a real one.
 */
export function dummyHash(): string {
  dummy ??= [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    randomBytes(16).toString('base64url'),
    randomBytes(KEY_LENGTH).toString('base64url'),
  ].join('$')
  return dummy
}
