/** The response with a fresh `DPoP-Nonce` for the client's next proof (RFC 9449 §9). */
export function withDpopNonce(response: Response, dpopNonce: string | undefined): Response {
  if (dpopNonce === undefined) return response
  const headers = new Headers(response.headers)
  headers.set('dpop-nonce', dpopNonce)
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  })
}
