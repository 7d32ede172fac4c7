/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]'

// Field names whose value is a secret whatever it looks like.
const SECRET_FIELD =
  /^(authorization|proxy-authorization|cookie|set-cookie|dpop|password|passphrase|secret|code|code_verifier|assertion|otp|totp|key|private_?key|master_?key)$|(token|secret|password|api_?key|private_?key|credential)s?$/i

// Values that look like credentials wherever they appear: JWS/JWT compact serialisations,
// `Bearer`/`DPoP`/`Basic` authorization values and PEM private keys.
const SECRET_SHAPES: readonly RegExp[] = [
  /eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/g,
  /\b(Bearer|DPoP|Basic)\s+[\w.~+/=-]{8,}/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
]

/** Replaces token-shaped substrings of `text`. */
export function redactString(text: string): string {
  let out = text
  for (const shape of SECRET_SHAPES) out = out.replace(shape, REDACTED)
  return out
}

/** True when a field of this name holds a secret and must never be written out. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name)
}

/**
 * Returns a copy of `value` that is safe to log: secret-named fields are masked, token-shaped
 * strings are masked, errors keep only name, code and a redacted message; cycles are cut.
 */
export function redact(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactString(value)
  if (typeof value !== 'object' || value === null) return value
  if (seen.has(value)) return '[circular]'
  seen.add(value)
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: redactString(value.message) }
    const code = (value as { code?: unknown }).code
    if (typeof code === 'string') out['code'] = code
    if (value.cause !== undefined) out['cause'] = redact(value.cause, seen)
    return out
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, seen))
  if (value instanceof Date) return value.toISOString()
  if (value instanceof URL) return redactUrl(value)
  const out: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(value)) {
    out[name] = isSecretField(name) && field !== undefined ? REDACTED : redact(field, seen)
  }
  return out
}

/** A URL with credentials, secret-named query parameters and the fragment masked. */
export function redactUrl(url: URL | string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return redactString(String(url))
  }
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = REDACTED
    parsed.password = ''
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretField(name) || name === 'state') parsed.searchParams.set(name, REDACTED)
  }
  if (parsed.hash !== '') parsed.hash = REDACTED
  return redactString(parsed.toString())
}
