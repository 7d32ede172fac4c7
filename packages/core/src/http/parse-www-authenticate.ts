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
  const scan = new Scanner(value)
  const challenges: AuthChallenge[] = []
  let current: AuthChallenge | undefined
  // Whether the current challenge may still take auth-params (its scheme was followed by SP).
  let open = false
  for (;;) {
    scan.ows()
    if (scan.done()) break
    if (scan.peek() === ',') {
      scan.i++
      continue
    }
    const start = scan.i
    const name = scan.token()
    if (name === '') fail()
    const afterName = scan.i
    scan.ows()
    if (scan.peek() === '=' && current !== undefined && open) {
      readParam(scan, current, name)
      continue
    }
    // A new challenge: auth-scheme [ 1*SP ( token68 / #auth-param ) ].
    scan.i = afterName
    if (scan.peek() === '=') fail()
    current = {
      scheme: value.slice(start, afterName),
      params: Object.create(null) as Record<string, string>,
    }
    challenges.push(current)
    open = readAfterScheme(scan, current)
  }
  return challenges.map((c) => ({ ...c, params: { ...c.params } }))
}

/** A position in the field value, with the RFC 9110 §5.6 rules the parser needs. */
class Scanner {
  readonly text: string
  i = 0

  constructor(text: string) {
    this.text = text
  }

  done(): boolean {
    return this.i >= this.text.length
  }

  peek(): string | undefined {
    return this.text[this.i]
  }

  /** OWS / BWS (RFC 9110 §5.6.3). */
  ows(): void {
    while (!this.done() && (this.peek() === ' ' || this.peek() === '\t')) this.i++
  }

  /** token = 1*tchar (RFC 9110 §5.6.2); empty when none. */
  token(): string {
    const start = this.i
    while (!this.done() && TCHAR.test(this.peek() ?? '')) this.i++
    return this.text.slice(start, this.i)
  }

  /** quoted-string (RFC 9110 §5.6.4), unescaped; the scanner is on the opening quote. */
  quoted(): string {
    this.i++
    let out = ''
    while (!this.done()) {
      const c = this.peek() ?? ''
      if (c === '"') {
        this.i++
        return out
      }
      if (c === '\\') {
        this.i++
        if (this.done()) break
        out += this.text.charAt(this.i)
        this.i++
        continue
      }
      if (c.charCodeAt(0) < 0x20 && c !== '\t') break
      out += c
      this.i++
    }
    return fail()
  }
}

/** auth-param = token BWS "=" BWS ( token / quoted-string ), then the end of the element. */
function readParam(scan: Scanner, current: AuthChallenge, name: string): void {
  scan.i++ // "="
  scan.ows()
  let v: string
  if (scan.peek() === '"') v = scan.quoted()
  else {
    v = scan.token()
    if (v === '') fail()
  }
  const key = name.toLowerCase()
  if (Object.hasOwn(current.params, key)) fail()
  current.params[key] = v
  scan.ows()
  if (!scan.done() && scan.peek() !== ',') fail()
}

/**
 * What follows a new auth-scheme: nothing, or 1*SP and then either a token68, which stands alone
 * up to the field end or the next comma, or auth-params. Returns whether auth-params may follow.
 */
function readAfterScheme(scan: Scanner, current: AuthChallenge): boolean {
  if (scan.done() || scan.peek() === ',') return false
  if (scan.peek() !== ' ') fail()
  scan.ows()
  const t68Start = scan.i
  while (!scan.done() && TOKEN68_CHAR.test(scan.peek() ?? '')) scan.i++
  while (scan.peek() === '=') scan.i++
  const candidate = scan.text.slice(t68Start, scan.i)
  scan.ows()
  if (candidate !== '' && (scan.done() || scan.peek() === ',')) {
    current.token68 = candidate
    return false
  }
  scan.i = t68Start
  return true
}

function fail(): never {
  throw new MandateError('ERR_HTTP_AUTH_PARSE', 'malformed authentication challenge')
}
