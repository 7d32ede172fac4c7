import { hostMatchesPattern, isLoopbackHost } from '@mandate/core'
import { assertSafeBrowserUrl } from '../url/assert-safe-browser-url.ts'
import { describeUrl } from './describe-url.ts'
import type { UrlDisplay } from './describe-url.ts'

/**
 * Which hosts a URL elicitation may send the person to. Entries are host names; `*.example.com`
 * also matches subdomains. `deny` wins over everything. By default only the requesting server's
 * own origin is allowed.
 */
export interface DomainPolicy {
  allow?: readonly string[]
  deny?: readonly string[]
  /** Allow the MCP server's own origin. Default true. */
  allowServerOrigin?: boolean
}

/** The verdict on an elicitation URL: the parsed URL to offer, or why it is refused; the display either way when the URL parsed. */
export type UrlDecision =
  | { allowed: true; url: URL; display: UrlDisplay }
  | { allowed: false; reason: string; display?: UrlDisplay }

/**
 * Decides whether an elicitation URL may be offered to the person at all: it must be safe to hand
 * to a browser (catalogue #159), not denied, allowed by the policy, and not a look-alike of the
 * server or of an allowed host (catalogue #183, #185).
 */
export function evaluateElicitationUrl(
  raw: string,
  serverUrl: string,
  policy: DomainPolicy = {},
  options: { allowLoopback?: boolean } = {},
): UrlDecision {
  let url: URL
  try {
    url = assertSafeBrowserUrl(raw, { allowLoopbackHttp: options.allowLoopback === true })
  } catch {
    return { allowed: false, reason: 'the link is not a safe https URL' }
  }
  const server = new URL(serverUrl)
  const allow = policy.allow ?? []
  const trusted = [
    ...(policy.allowServerOrigin === false ? [] : [server.hostname]),
    ...allow.map(stripWildcard),
  ]
  const display = describeUrl(url, trusted)
  const host = url.hostname
  if ((policy.deny ?? []).some((entry) => hostMatchesPattern(host, entry))) {
    return { allowed: false, reason: `${host} is on the deny list`, display }
  }
  if (display.flags.includes('lookalike')) {
    return {
      allowed: false,
      reason: `${host} looks like ${display.imitates ?? 'a trusted domain'}`,
      display,
    }
  }
  // An IDN host passes only when listed exactly: a wildcard must not admit a homograph.
  const idn = display.flags.includes('punycode') || display.flags.includes('mixed-script')
  if (
    idn &&
    !allow.some((entry) => entry.toLowerCase() === host.toLowerCase()) &&
    url.origin !== server.origin
  ) {
    return {
      allowed: false,
      reason: `${host} is an internationalised name that is not allow-listed exactly`,
      display,
    }
  }
  const sameOrigin = url.origin === server.origin
  const serverAllowed = policy.allowServerOrigin !== false && sameOrigin
  if (!serverAllowed && !allow.some((entry) => hostMatchesPattern(host, entry))) {
    return { allowed: false, reason: `${host} is not an allowed domain for this server`, display }
  }
  if (url.protocol === 'http:' && !(options.allowLoopback === true && isLoopbackHost(host))) {
    return { allowed: false, reason: 'the link is not https', display }
  }
  return { allowed: true, url, display }
}

function stripWildcard(entry: string): string {
  return entry.startsWith('*.') ? entry.slice(2) : entry
}
