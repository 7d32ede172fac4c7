import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

// TOTP per RFC 6238 (HMAC-SHA-1, 30 s steps, 6 digits: what authenticator apps implement).
const STEP_SECONDS = 30
const DIGITS = 6
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/**
 * A new TOTP secret: 160 random bits (RFC 4226 §4 recommends at least that), base32 for
 * authenticator apps.
 */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20))
}

/** The code for one time step (RFC 6238 §4, HOTP of the step counter per RFC 4226 §5.3). */
export function totpAt(secret: string, step: number): string {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest()
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f
  const binary = mac.readUInt32BE(offset) & 0x7fffffff
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0')
}

/** The RFC 6238 time step (30 s) that `now` falls in. */
export function currentStep(now: number = Date.now()): number {
  return Math.floor(now / 1000 / STEP_SECONDS)
}

/**
 * The step whose code matches (±1 step of skew), or undefined. The caller refuses a step
 * not newer than the last one used, so that a code cannot be replayed (RFC 6238 §5.2).
 */
export function verifyTotp(
  secret: string,
  code: string,
  now: number = Date.now(),
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined
  const step = currentStep(now)
  for (const candidate of [step - 1, step, step + 1]) {
    const expected = Buffer.from(totpAt(secret, candidate))
    if (timingSafeEqual(expected, Buffer.from(code))) return candidate
  }
  return undefined
}

/** The `otpauth://` URI that authenticator apps read from a QR code. */
export function otpauthUri(secret: string, issuer: string, account: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`)
  const params = new URLSearchParams({
    secret,
    issuer,
    algorithm: 'SHA1',
    digits: '6',
    period: '30',
  })
  return `otpauth://totp/${label}?${params.toString()}`
}

function base32Encode(bytes: Buffer): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31] ?? ''
      bits -= 5
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31] ?? ''
  return out
}

function base32Decode(text: string): Buffer {
  let bits = 0
  let value = 0
  const out: number[] = []
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = ALPHABET.indexOf(char)
    if (index === -1) continue
    value = (value << 5) | index
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}
