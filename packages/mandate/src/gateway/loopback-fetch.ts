import { request } from 'node:http'

/**
 * A `fetch` for calls this process makes to itself (the gateway's token exchange): sent to the
 * address it listens on, with the public URL's `Host` so that the host check accepts it. Only
 * for URLs on `publicUrl`'s origin; `fetch` itself cannot set `Host`.
 */
export function loopbackFetch(listenUrl: URL, publicUrl: URL): typeof fetch {
  return async (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input))
    if (target.origin !== publicUrl.origin) return fetch(input, init)
    const headers = Object.fromEntries(new Headers(init?.headers).entries())
    const raw = init?.body
    const body =
      raw instanceof URLSearchParams ? raw.toString() : typeof raw === 'string' ? raw : undefined
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(
        {
          host: listenUrl.hostname.replace(/^\[|\]$/g, ''),
          port: listenUrl.port,
          method: init?.method ?? 'GET',
          path: target.pathname + target.search,
          headers: { ...headers, host: publicUrl.host },
          timeout: 10_000,
        },
        (incoming) => {
          const chunks: Buffer[] = []
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
          incoming.on('end', () => {
            resolve(
              new Response(Buffer.concat(chunks), {
                status: incoming.statusCode ?? 502,
                headers: Object.entries(incoming.headers).flatMap(([name, value]) =>
                  value === undefined
                    ? []
                    : [[name, Array.isArray(value) ? value.join(', ') : value] as [string, string]],
                ),
              }),
            )
          })
          incoming.on('error', reject)
        },
      )
      outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')))
      outgoing.on('error', reject)
      outgoing.end(body)
    })
  }
}
