import { createHmac, timingSafeEqual } from 'node:crypto'

/** Longer values are refused before any work (they round-trip through browsers and clients). */
const MAX_LENGTH = 8192

/**
 * A small statement that travels through a browser or a client and must come back unchanged:
 * `base64url(JSON).base64url(HMAC-SHA256(secret, purpose "\n" body))`. `purpose` separates the
 * uses of one secret, so a value minted for one use never passes for another. Signed, not
 * encrypted: put nothing secret in it. Expiry and bindings are the caller's to check.
 */
export function signPayload(secret: string, purpose: string, payload: object): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${body}.${mac(secret, purpose, body)}`
}

/** The payload of a value `signPayload` made with this secret and purpose, else `undefined`. */
export function verifyPayload(
  secret: string,
  purpose: string,
  value: unknown,
): Record<string, unknown> | undefined {
  if (typeof value !== 'string' || value.length > MAX_LENGTH) return undefined
  const parts = value.split('.')
  if (parts.length !== 2) return undefined
  const [body = '', tag = ''] = parts
  const expected = Buffer.from(mac(secret, purpose, body))
  const given = Buffer.from(tag)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined
  try {
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

function mac(secret: string, purpose: string, body: string): string {
  return createHmac('sha256', secret).update(`${purpose}\n${body}`).digest('base64url')
}
