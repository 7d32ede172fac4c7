/**
 * Serves the RFC 9728 protected resource metadata document: public, cacheable, readable from any
 * origin; `GET`/`HEAD` only (405 otherwise), `OPTIONS` answers a preflight.
 */
export function serveMetadata(request: Request, metadataBody: string): Response {
  const headers = new Headers({
    'access-control-allow-origin': '*',
    'cache-control': 'max-age=300',
  })
  if (request.method === 'OPTIONS') {
    headers.set('access-control-allow-methods', 'GET')
    return new Response(null, { status: 204, headers })
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    headers.set('allow', 'GET, HEAD, OPTIONS')
    return new Response(null, { status: 405, headers })
  }
  headers.set('content-type', 'application/json')
  return new Response(request.method === 'HEAD' ? null : metadataBody, { status: 200, headers })
}
