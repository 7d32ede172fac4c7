import type { ScopeChallengeSlot } from '../late-scope-challenge.ts'

/**
 * What the HTTP layer answers for a call whose handler may ask for a late scope challenge: the
 * scopes asked (the response had not started: none of its bytes is sent) or the response to
 * send. A JSON response is complete when the SDK returns it. With `holdSse`, an SSE response is
 * held until its first chunk (the tool's first notification or request, its result, or a
 * keep-alive), which commits it; without, it starts at once. A challenge asked after the response
 * started stays the tool error.
 */
export async function holdForLateChallenge(
  response: Response,
  slot: ScopeChallengeSlot,
  holdSse: boolean,
): Promise<{ scopes: string[] } | { response: Response }> {
  const type = (response.headers.get('content-type') ?? '').toLowerCase()
  const sse = type.startsWith('text/event-stream')
  if (sse && !holdSse) return { response }
  if (!sse || response.body === null) {
    if (slot.scopes === undefined) return { response }
    await response.body?.cancel()
    return { scopes: slot.scopes }
  }
  const reader = response.body.getReader()
  const first = await reader.read()
  if (slot.scopes !== undefined) {
    await reader.cancel()
    return { scopes: slot.scopes }
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close()
      else controller.enqueue(first.value)
    },
    async pull(controller) {
      const next = await reader.read()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
  const { status, statusText, headers } = response
  return { response: new Response(body, { status, statusText, headers }) }
}
