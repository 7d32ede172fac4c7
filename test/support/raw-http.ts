// Raw HTTP/1.1 over a TCP socket, for requests fetch() cannot make: absolute-form targets
// (RFC 9112 §3.2.2), invalid UTF-8, duplicate or oversized headers, odd methods.
import { connect } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Sends `head` (request line and header lines, without the final blank line) and `body` to
 * 127.0.0.1:`port` with `Connection: close`, and reads the whole answer.
 */
export function rawRequest(
  port: number,
  head: readonly string[],
  body: Uint8Array | string = '',
): Promise<RawResponse> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : Buffer.from(body)
  const lines = [...head, 'Connection: close']
  if (
    bytes.length > 0 &&
    !head.some((line) => /^(content-length|transfer-encoding):/i.test(line))
  ) {
    lines.push(`Content-Length: ${String(bytes.length)}`)
  }
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    // A server may answer early (413, 431) and reset while the body is still being sent.
    let failure: Error | undefined
    socket.on('error', (error) => (failure = error))
    socket.on('close', () => {
      if (chunks.length === 0 && failure !== undefined) reject(failure)
      else resolve(parseResponse(Buffer.concat(chunks)))
    })
    // Half-close after sending: a body shorter than its Content-Length ends here, not at the
    // server's request timeout.
    socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bytes]))
  })
}

function parseResponse(raw: Buffer): RawResponse {
  const text = raw.toString('latin1')
  const split = text.indexOf('\r\n\r\n')
  const head = (split === -1 ? text : text.slice(0, split)).split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? '0')
  const headers: Record<string, string> = {}
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  // latin1 maps bytes one to one, so the text offset is the byte offset.
  let body = split === -1 ? Buffer.alloc(0) : raw.subarray(split + 4)
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body)
  return { status, headers, body: body.toString('utf8') }
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = data.indexOf('\r\n', at)
    if (eol === -1) break
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16)
    if (!Number.isFinite(size) || size === 0) break
    out.push(data.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(out)
}
