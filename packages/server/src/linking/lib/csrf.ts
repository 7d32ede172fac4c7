import { createHmac, timingSafeEqual } from 'node:crypto'

/** A CSRF token bound to a purpose (link, page) and the signed-in user. */
export function csrfToken(secret: string, purpose: string, sub: string): string {
  return createHmac('sha256', secret).update(`${purpose}\n${sub}`).digest('base64url')
}

/** Whether `value` is the CSRF token for this purpose and user (compared in constant time). */
export function csrfValid(secret: string, purpose: string, sub: string, value: unknown): boolean {
  if (typeof value !== 'string') return false
  const expected = Buffer.from(csrfToken(secret, purpose, sub))
  const given = Buffer.from(value)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
