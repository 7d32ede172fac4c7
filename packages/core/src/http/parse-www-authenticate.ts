import { MandateError } from '../errors.ts'
import type { AuthChallenge } from './www-authenticate.ts'

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/

/**
 * Parses a `WWW-Authenticate` (or `Proxy-Authenticate`) field value into its challenges,
 * following the grammar of RFC 9110 §11.2 and §11.6.1: empty list elements are skipped, BWS
 * around `=` is accepted, quoted-pairs are unescaped, a parameter repeated in one challenge is
 * an error (§11.2: "MUST only occur once"). A linear scanner, no backtracking regex, so hostile
 * input cannot cause super-linear work (catalogue #163).
 * @throws MandateError `ERR_HTTP_AUTH_PARSE` on malformed input.
 */
export function parseWwwAuthenticate(value: string): AuthChallenge[] {
  const s = value
  let i = 0
  const challenges: AuthChallenge[] = []
  let current: AuthChallenge | undefined
  // Whether the current challenge may still take auth-params (its scheme was followed by SP).
  let open = false

  const ows = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++
  }
  const token = (): string => {
    const start = i
    while (i < s.length && TCHAR.test(s[i] ?? '')) i++
    return s.slice(start, i)
  }
  const fail = (): never => {
    throw new MandateError('ERR_HTTP_AUTH_PARSE', 'malformed authentication challenge')
  }
  const quoted = (): string => {
    i++ // opening quote
    let out = ''
    while (i < s.length) {
      const c = s[i] ?? ''
      if (c === '"') {
        i++
        return out
      }
      if (c === '\\') {
        i++
        if (i >= s.length) break
        out += s.charAt(i)
        i++
        continue
      }
      if (c.charCodeAt(0) < 0x20 && c !== '\t') break
      out += c
      i++
    }
    return fail()
  }

  for (;;) {
    ows()
    if (i >= s.length) break
    if (s[i] === ',') {
      i++
      continue
    }
    const start = i
    const name = token()
    if (name === '') fail()
    const afterName = i
    ows()
    if (s[i] === '=' && current !== undefined && open) {
      // auth-param: token BWS "=" BWS ( token / quoted-string )
      i++
      ows()
      let v: string
      if (s[i] === '"') v = quoted()
      else {
        v = token()
        if (v === '') fail()
      }
      const key = name.toLowerCase()
      if (Object.hasOwn(current.params, key)) fail()
      current.params[key] = v
      ows()
      if (i < s.length && s[i] !== ',') fail()
      continue
    }
    // A new challenge: auth-scheme [ 1*SP ( token68 / #auth-param ) ].
    i = afterName
    if (s[i] === '=') fail()
    current = {
      scheme: s.slice(start, afterName),
      params: Object.create(null) as Record<string, string>,
    }
    challenges.push(current)
    open = false
    if (i >= s.length || s[i] === ',') continue
    if (s[i] !== ' ') fail()
    open = true
    ows()
    // token68 is alone: it runs to the field end or the next comma.
    const t68Start = i
    while (i < s.length && TOKEN68_CHAR.test(s[i] ?? '')) i++
    while (s[i] === '=') i++
    const candidate = s.slice(t68Start, i)
    ows()
    if (candidate !== '' && (i >= s.length || s[i] === ',')) {
      current.token68 = candidate
      open = false
      continue
    }
    i = t68Start
  }
  return challenges.map((c) => ({ ...c, params: { ...c.params } }))
}
