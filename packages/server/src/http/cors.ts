const EXPOSED = 'WWW-Authenticate, DPoP-Nonce, Mcp-Session-Id, Mcp-Protocol-Version'
const ALLOWED_REQUEST_HEADERS =
  'Authorization, DPoP, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Mcp-Method, Mcp-Name, Last-Event-ID'

/** The answer to a CORS preflight of the MCP endpoint (what browsers may send and read). */
export function preflightResponse(): Response {
  const headers = new Headers({
    'access-control-allow-methods': 'GET, POST, DELETE',
    'access-control-allow-headers': ALLOWED_REQUEST_HEADERS,
    'access-control-max-age': '600',
  })
  return new Response(null, { status: 204, headers })
}

/**
 * CORS on every answer of the MCP endpoint: an allowed browser `Origin` may read it, including
 * the challenge and DPoP nonce headers. Answers to non-browser clients pass unchanged.
 */
export function withCors(
  request: Request,
  response: Response,
  allowedOrigins: ReadonlySet<string>,
): Response {
  const origin = request.headers.get('origin')
  if (origin === null) return response
  const headers = new Headers(response.headers)
  if (allowedOrigins.has(origin.toLowerCase())) {
    headers.set('access-control-allow-origin', origin)
    headers.set('access-control-expose-headers', EXPOSED)
    headers.append('vary', 'Origin')
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  })
}
