const MAX_DEPTH = 32

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
export function redact(value: unknown, seen: WeakSet<object> = new WeakSet(), depth = 0): unknown {
  if (typeof value === 'string') return redactString(value)
  if (typeof value !== 'object' || value === null) return value
  if (seen.has(value)) return '[circular]'
  // Attacker-shaped values (a request member nested thousands deep) must not exhaust the stack.
  if (depth >= MAX_DEPTH) return '[too deep]'
  seen.add(value)
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: redactString(value.message) }
    const code = (value as { code?: unknown }).code
    if (typeof code === 'string') out['code'] = code
    if (value.cause !== undefined) out['cause'] = redact(value.cause, seen, depth + 1)
    return out
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, seen, depth + 1))
  if (value instanceof Date) return value.toISOString()
  if (value instanceof URL) return redactUrl(value)
  const out: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(value)) {
    out[name] =
      isSecretField(name) && field !== undefined
        ? REDACTED
        : name === 'path' && typeof field === 'string'
          ? redactPath(field)
          : redact(field, seen, depth + 1)
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
  if (parsed.protocol === 'https:' || parsed.protocol === 'http:') {
    parsed.pathname = redactPath(parsed.pathname)
  }
  return redactString(parsed.toString())
}

/**
 * A route whose path carries a capability: the segment right after `prefix` is a bearer secret
 * (a connect-link id, an interaction uid), unless it is one of the literal routes in `keep`.
 */
export interface SecretPathRule {
  /** Path prefix ending in `/`, e.g. `/connect/`. */
  prefix: string
  /** Literal sibling routes that are not secrets, e.g. `callback`. */
  keep?: readonly string[]
}

/**
 * Mandate's routes with a one-time id in the path: connect links (URL-elicitation targets,
 * bearer capabilities until used), oidc-provider interactions and their resume URLs.
 */
export const SECRET_PATH_RULES: readonly SecretPathRule[] = [
  { prefix: '/connect/', keep: ['callback', 'accounts'] },
  { prefix: '/oauth/interaction/' },
  { prefix: '/oauth/authorize/' },
]

/**
 * A request path safe to log: the secret segment of a {@link SecretPathRule} route is masked
 * (`/connect/[redacted]`), token-shaped text is masked and the query is dropped (RFC 6749
 * §4.1.2: codes and tokens travel there). Matching ignores case, percent-encoding and
 * repeated slashes, as routers may, so `//Conn%65ct/x` is masked too.
 */
export function redactPath(
  path: string,
  rules: readonly SecretPathRule[] = SECRET_PATH_RULES,
): string {
  const segments = (path.split(/[?#]/, 1)[0] ?? '').split('/')
  const significant = segments.flatMap((segment, index) =>
    segment === '' ? [] : [{ name: decodeSegment(segment), index }],
  )
  for (const rule of rules) {
    const prefix = rule.prefix.split('/').filter((segment) => segment !== '')
    const matches = prefix.every((segment, i) => significant[i]?.name === segment.toLowerCase())
    const secret = significant[prefix.length]
    if (!matches || secret === undefined || rule.keep?.includes(secret.name) === true) continue
    segments[secret.index] = REDACTED
    break
  }
  return redactString(segments.join('/'))
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment).toLowerCase()
  } catch {
    return segment.toLowerCase()
  }
}
