import { domainPattern, hostMatchesPattern } from '@mandate/core'

/**
 * Whether `host` is `domain` or one of its subdomains (label boundary). The authorization
 * server's host options (`cimd.allowDomains`, `cimd.denyDomains`, `errorRedirectDomains`) list
 * domains, each covering its subdomains, so an entry is matched as the core pattern
 * `*.<domain>`; `*.example.com` and `.example.com` mean the same as `example.com`.
 */
export function hostInDomain(host: string, domain: string): boolean {
  return hostMatchesPattern(host, domainPattern(domain))
}

/** Operator policy on CIMD hosts: deny wins; a non-empty allow-list admits only its hosts. */
export function cimdHostAllowed(
  clientId: string,
  policy: { allowDomains?: string[] | undefined; denyDomains?: string[] | undefined },
): boolean {
  const url = URL.parse(clientId)
  if (url === null) return false
  const host = url.hostname
  if ((policy.denyDomains ?? []).some((domain) => hostInDomain(host, domain))) return false
  const allow = policy.allowDomains ?? []
  return allow.length === 0 || allow.some((domain) => hostInDomain(host, domain))
}
