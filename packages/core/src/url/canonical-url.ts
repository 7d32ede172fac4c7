/**
 * RFC 8707 §2 / RFC 3986 §6.2 canonical form of a resource URL, used wherever a resource
 * indicator, token audience or DPoP `htu` is compared: scheme and host lower-cased (the URL parser
 * does it), default port dropped, no query, no fragment, one trailing slash removed. Comparing
 * canonical strings for equality keeps path boundaries (`/mcp` never matches `/mcp-admin` or
 * `/mcp/x`, catalogue #90). Returns `undefined` for anything that is not an absolute http(s) URL.
 *
 * @example
 * ```ts
 * canonicalUrl('HTTPS://Example.com:443/mcp/') // 'https://example.com/mcp'
 * canonicalUrl('https://example.com/mcp') === canonicalUrl('https://example.com/mcp-admin') // false
 * ```
 */
export function canonicalUrl(value: string | URL): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : ''
  return `${url.protocol}//${url.host}${path}`
}

/**
 * Whether two URLs name the same resource under {@link canonicalUrl}; `false` when either is not
 * an absolute http(s) URL, so two unparsable values never compare equal.
 */
export function sameCanonicalUrl(a: string | URL, b: string | URL): boolean {
  const left = canonicalUrl(a)
  return left !== undefined && left === canonicalUrl(b)
}
