import type { ServerResponse } from 'node:http'

/**
 * Writes a web `Response` to a Node response: status and headers, then the body as it comes,
 * waiting for `drain` when the socket is full. Stops when `signal` aborts (the client went
 * away): the body stream is cancelled, which ends the work behind it (an SSE stream's).
 */
export async function writeNodeResponse(
  res: ServerResponse,
  response: Response,
  signal: AbortSignal,
): Promise<void> {
  const headers: Record<string, string> = {}
  for (const [name, value] of response.headers) headers[name] = value
  // Iterating `Headers` yields each Set-Cookie on its own: a record keeps only the last one.
  const cookies = response.headers.getSetCookie()
  res.writeHead(
    response.status,
    cookies.length > 1 ? { ...headers, 'set-cookie': cookies } : headers,
  )
  // An event stream's head goes at once: its first event may be minutes away.
  if ((headers['content-type'] ?? '').toLowerCase().startsWith('text/event-stream'))
    res.flushHeaders()
  if (response.body === null) {
    res.end()
    return
  }
  const reader = response.body.getReader()
  const cancel = (): void => {
    reader.cancel().catch(() => undefined)
  }
  signal.addEventListener('abort', cancel, { once: true })
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done || signal.aborted) break
      if (!res.write(value)) await drainedOrAborted(res, signal)
    }
  } catch {
    // The body failed mid-way: the status is sent, so ending the response is all that is left.
  } finally {
    signal.removeEventListener('abort', cancel)
  }
  res.end()
}

function drainedOrAborted(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    res.on('drain', done)
    signal.addEventListener('abort', done, { once: true })
  })
}
