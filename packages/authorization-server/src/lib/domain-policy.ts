/** True when `host` equals `pattern` or is a subdomain of it (label boundary). */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  const p = pattern
    .toLowerCase()
    .replace(/^\*?\./, '')
    .replace(/\.$/, '')
  return h === p || h.endsWith(`.${p}`)
}

/** Operator policy on CIMD hosts: deny wins; a non-empty allow-list admits only its hosts. */
export function cimdHostAllowed(
  clientId: string,
  policy: { allowDomains?: string[] | undefined; denyDomains?: string[] | undefined },
): boolean {
  const url = URL.parse(clientId)
  if (url === null) return false
  const host = url.hostname
  if ((policy.denyDomains ?? []).some((pattern) => hostMatches(host, pattern))) return false
  const allow = policy.allowDomains ?? []
  return allow.length === 0 || allow.some((pattern) => hostMatches(host, pattern))
}
