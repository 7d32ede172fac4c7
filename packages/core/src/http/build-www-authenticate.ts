import { MandateError } from '../errors.ts'
import type { AuthChallenge } from './www-authenticate.ts'

// RFC 9110 §5.6.2 tchar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// RFC 9110 §5.6.4 qdtext / quoted-pair: HTAB, SP, VCHAR and obs-text; no other controls.
const QUOTABLE = /^[\t\x20-\x7e\x80-\xff]*$/

/**
 * Serialises one challenge. Every parameter value is sent as a quoted-string with `"` and `\`
 * escaped (RFC 9110 §5.6.4), so a hostile value (an error description, a scope) can neither
 * end the value early nor inject a parameter. Characters that cannot appear in a field value
 * (CR, LF, NUL, other controls, non-Latin-1) are refused rather than silently dropped.
 * @throws MandateError `ERR_HTTP_AUTH_PARAM` for a bad scheme, parameter name or value.
 */
export function buildChallenge(challenge: AuthChallenge): string {
  if (!TOKEN.test(challenge.scheme)) throw invalid('auth-scheme')
  const entries = Object.entries(challenge.params)
  if (challenge.token68 !== undefined) {
    if (entries.length > 0 || !/^[A-Za-z0-9\-._~+/]+=*$/.test(challenge.token68)) {
      throw invalid('token68')
    }
    return `${challenge.scheme} ${challenge.token68}`
  }
  if (entries.length === 0) return challenge.scheme
  const params = entries.map(([name, value]) => {
    if (!TOKEN.test(name)) throw invalid('auth-param name')
    return `${name}=${quote(value)}`
  })
  return `${challenge.scheme} ${params.join(', ')}`
}

/** Serialises several challenges into one field value (RFC 9110 §11.6.1 allows a list). */
export function buildWwwAuthenticate(challenges: readonly AuthChallenge[]): string {
  return challenges.map(buildChallenge).join(', ')
}

function quote(value: string): string {
  if (!QUOTABLE.test(value)) throw invalid('auth-param value')
  return `"${value.replace(/["\\]/g, '\\$&')}"`
}

function invalid(what: string): MandateError {
  return new MandateError('ERR_HTTP_AUTH_PARAM', `invalid ${what} in challenge`)
}
