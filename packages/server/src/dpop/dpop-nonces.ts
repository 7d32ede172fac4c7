import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** Server-provided DPoP nonces (RFC 9449 §9). */
export interface DpopNonces {
  /** A nonce valid now (and for one more period). */
  current(): string
  /** Whether `nonce` was issued by this server (any instance sharing the secret) recently. */
  isValid(nonce: string): boolean
}

/**
 * Stateless nonces: `period || HMAC(secret, period)`. Every instance that shares `secret`
 * accepts the others' nonces, so no storage is needed; a nonce is good for the current and the
 * previous period. With no secret, a random per-process one is used (single instance only).
 * `now` is the clock, ms since the epoch (default `Date.now`).
 */
export function createDpopNonces(
  options: { secret?: Uint8Array; periodSeconds?: number; now?: () => number } = {},
): DpopNonces {
  const now = options.now ?? Date.now
  const secret = options.secret ?? randomBytes(32)
  if (secret.length < 32) throw new RangeError('dpop nonce secret must be at least 32 bytes')
  const periodMs = (options.periodSeconds ?? 60) * 1000
  const mac = (period: number): Buffer =>
    createHmac('sha256', secret).update(`dpop-nonce:${period}`).digest()
  const encode = (period: number): string =>
    `${period.toString(36)}.${mac(period).subarray(0, 18).toString('base64url')}`
  let cached: { period: number; value: string } | undefined
  return {
    current() {
      const period = Math.floor(now() / periodMs)
      if (cached?.period !== period) cached = { period, value: encode(period) }
      return cached.value
    },
    isValid(nonce) {
      const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{24})$/.exec(nonce)
      if (match === null) return false
      const period = Number.parseInt(match[1] ?? '', 36)
      const current = Math.floor(now() / periodMs)
      if (period !== current && period !== current - 1) return false
      const expected = mac(period).subarray(0, 18)
      const given = Buffer.from(match[2] ?? '', 'base64url')
      return given.length === expected.length && timingSafeEqual(given, expected)
    },
  }
}
