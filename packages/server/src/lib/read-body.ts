import { prereadBody } from './preread-body.ts'

/**
 * Reads at most `limit` bytes of a request body; `undefined` when it is larger. A body the Node
 * adapter already read (`createNodeHandler`) is taken as it is, at once (no promise).
 */
export function readBodyLimited(
  request: Request,
  limit: number,
): Uint8Array | undefined | Promise<Uint8Array | undefined> {
  const preread = prereadBody(request)
  if (preread !== undefined) return preread.byteLength > limit ? undefined : preread
  return readStream(request, limit)
}

async function readStream(request: Request, limit: number): Promise<Uint8Array | undefined> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) return undefined
  if (request.body === null) return new Uint8Array()
  // A declared length within the limit lets the runtime read the body in one go; the length is
  // enforced by the HTTP parser, and checked again here.
  if (declared !== null && /^\d+$/.test(declared)) {
    const bytes = new Uint8Array(await request.arrayBuffer())
    return bytes.byteLength > limit ? undefined : bytes
  }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}
