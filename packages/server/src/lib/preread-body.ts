// The body of a request that `createNodeHandler` read from the socket itself. The `Request` it
// hands on then carries no body stream: a WHATWG stream per request cost more than the bytes
// (docs/performance.md, "Node adapter"). Only this package's Node adapter writes here, keyed by
// the `Request` it built, so no caller can attach bytes to a request of its own.
const bodies = new WeakMap<Request, Uint8Array>()

/** Records the bytes read for `request` (its `body` is then `null`). */
export function keepPrereadBody(request: Request, bytes: Uint8Array): void {
  bodies.set(request, bytes)
}

/** The bytes the Node adapter read for `request`, if it did. */
export function prereadBody(request: Request): Uint8Array | undefined {
  return bodies.get(request)
}
