// One host-pattern syntax for every allow- and deny-list of hosts: a bare name is that host
// only; `*.example.com` is example.com and every name below it, at a label boundary. A trailing
// root dot (`example.com.`) names the same host and is ignored on both sides, so it can neither
// slip past a deny-list nor fall out of an allow-list.

/**
 * Whether `host` matches `pattern`: a bare pattern (`example.com`) matches that host exactly; a
 * wildcard pattern (`*.example.com`) matches `example.com` and any subdomain of it, never a name
 * that merely ends in the same characters (`badexample.com`). Case-insensitive; a trailing dot on
 * either side is ignored; an empty pattern matches nothing.
 *
 * @example
 * ```ts
 * hostMatchesPattern('api.example.com', '*.example.com') // true
 * hostMatchesPattern('api.example.com', 'example.com') // false
 * hostMatchesPattern('badexample.com', '*.example.com') // false
 * ```
 */
export function hostMatchesPattern(host: string, pattern: string): boolean {
  const name = withoutRootDot(host.toLowerCase())
  const lowered = withoutRootDot(pattern.toLowerCase())
  const wildcard = lowered.startsWith('*.')
  const base = wildcard ? lowered.slice(2) : lowered
  if (base === '' || name === '') return false
  if (name === base) return true
  return wildcard && name.endsWith(`.${base}`)
}

/**
 * The wildcard pattern covering a domain and its subdomains (`example.com` → `*.example.com`), for
 * options that list domains rather than hosts. A domain already written as `*.example.com` or
 * `.example.com` keeps that meaning.
 */
export function domainPattern(domain: string): string {
  return `*.${domain.replace(/^\*?\./, '')}`
}

function withoutRootDot(value: string): string {
  return value.endsWith('.') ? value.slice(0, -1) : value
}
