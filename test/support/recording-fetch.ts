// A fetch for MCP client transports in tests that keeps every response body the server sent,
// so that tests can assert no secret ever reached the client.

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>

/** Wraps `fetchImpl`; each body is pushed to `bodies` once read in full. */
export function recordingFetch(fetchImpl: Fetch, bodies: string[]): Fetch {
  return async (url, init) => {
    const response = await fetchImpl(url, init)
    const copied = response
      .clone()
      .text()
      .then(
        (body) => bodies.push(body),
        // A stream cut by the client's close has no body to record.
        () => 0,
      )
    // The GET notification stream stays open: recorded when it ends, not waited for.
    if (init?.method !== 'GET') await copied
    return response
  }
}
