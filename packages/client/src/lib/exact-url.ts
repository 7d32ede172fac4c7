/**
 * A URL that serialises exactly as given. The SDK sends a resource indicator as `URL.href`,
 * which turns `https://mcp.example` into `https://mcp.example/`; the indicator must keep the
 * form the protected resource metadata gives (RFC 9728 §3.3 compares `resource` as a string;
 * RFC 8707 §2), which the MCP 2026-07-28 rules enforce.
 */
export function exactUrl(value: string): URL {
  const url = new URL(value)
  const exact = { value: () => value }
  Object.defineProperties(url, {
    href: { get: () => value },
    toString: exact,
    toJSON: exact,
  })
  return url
}
