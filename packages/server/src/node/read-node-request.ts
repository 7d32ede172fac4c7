import type { IncomingMessage } from 'node:http'
import { keepPrereadBody } from '../lib/preread-body.ts'

/**
 * The web `Request` for a Node request. The body is read here, at most `maxBytes` of it
 * (`undefined` when larger, declared or sent), and kept beside the request rather than in a
 * body stream; `readJsonBody` takes it from there. Pseudo-headers (HTTP/2) are left out.
 */
export async function readNodeRequest(
  req: IncomingMessage,
  signal: AbortSignal,
  maxBytes: number,
): Promise<Request | undefined> {
  const method = req.method ?? 'GET'
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method,
    headers: webHeaders(req),
    signal,
  })
  if (method === 'GET' || method === 'HEAD') return request
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > maxBytes) return undefined
  const body = await readBody(req, maxBytes)
  if (body === undefined) return undefined
  keepPrereadBody(request, body)
  return request
}

/**
 * The body, or `undefined` past `maxBytes`: reading then stops (the stream is paused, not
 * destroyed, so the 413 can still be written; the connection closes after it).
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const settle = (outcome: () => void): void => {
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError)
      outcome()
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength
      if (size <= maxBytes) chunks.push(chunk)
      else {
        req.pause()
        settle(() => {
          resolve(undefined)
        })
      }
    }
    const onEnd = (): void => {
      settle(() => {
        resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
      })
    }
    const onClose = (): void => {
      settle(() => {
        reject(new Error('request closed before its body ended'))
      })
    }
    const onError = (error: Error): void => {
      settle(() => {
        reject(error)
      })
    }
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onError)
  })
}

function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue
    if (Array.isArray(value)) for (const item of value) headers.append(name, item)
    else headers.set(name, value)
  }
  return headers
}
