import { createHash, timingSafeEqual } from 'node:crypto'

// Client secrets at rest (RFC 6819 §5.1.4.1.3: store a hash of client credentials). A secret
// we issue (DCR, see provider/dcr.ts) has 256 random bits, so one SHA-256 is a sufficient one-way function; no
// password-hashing cost is needed. Format: `sha256$<64 hex>`.
const PREFIX = 'sha256$'
const HASHED = /^sha256\$[0-9a-f]{64}$/

/** The stored form of a client secret (idempotent: a stored hash stays as it is). */
export function hashClientSecret(secret: string): string {
  if (HASHED.test(secret)) return secret
  return PREFIX + createHash('sha256').update(secret).digest('hex')
}

/**
 * Compares a presented secret with the stored one in constant time: against the hash when the
 * stored value is one (DCR clients, or an operator who configured `sha256$<hex>`), else as
 * plain text (operator-configured clients: the secret lives in the operator's configuration).
 */
export function clientSecretMatches(stored: string | undefined, presented: unknown): boolean {
  if (typeof stored !== 'string' || typeof presented !== 'string') return false
  if (HASHED.test(stored)) {
    const expected = Buffer.from(stored.slice(PREFIX.length), 'hex')
    const actual = createHash('sha256').update(presented).digest()
    return timingSafeEqual(expected, actual)
  }
  const a = createHash('sha256').update(stored).digest()
  const b = createHash('sha256').update(presented).digest()
  return timingSafeEqual(a, b)
}

/**
 * Whether a stored value already is a client-secret hash (the migration to hashed secrets skips
 * those).
 */
export function isHashedClientSecret(value: string): boolean {
  return HASHED.test(value)
}
