/** Reconnect delay suggested to clients on every SSE response (WHATWG HTML §9.2 `retry`). */
export const SSE_RETRY_MS = 1000

const PRELUDE = new TextEncoder().encode(`retry: ${String(SSE_RETRY_MS)}\n\n`)

/**
 * Starts a `text/event-stream` answer with an SSE `retry` field (MCP Streamable HTTP,
 * 2025-11-25 "Resumability and Redelivery": the server tells the client how long to wait before
 * reconnecting). For answers that are not resumable (2026-07-28 requests, older protocol
 * versions): no event `id` is sent, since a `Last-Event-ID` could not be honoured. Resumable
 * 2025-11-25 POST streams are primed and numbered by `ResumableStreams` instead.
 */
export function withSseRetry(response: Response): Response {
  const type = response.headers.get('content-type') ?? ''
  if (!type.toLowerCase().startsWith('text/event-stream') || response.body === null) {
    return response
  }
  const stream = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        controller.enqueue(PRELUDE)
      },
    }),
  )
  return new Response(stream, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
}
