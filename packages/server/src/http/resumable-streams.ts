import { randomBytes } from 'node:crypto'
import type { McpIdentity } from '../identity.ts'
import type { StreamAuthority } from './notification-stream.ts'
import { SSE_RETRY_MS } from './sse-retry.ts'

/** Bounds of the POST-stream event log; every value is fixed so that memory use is bounded. */
export const RESUMABLE_STREAM_LIMITS = Object.freeze({
  /** Streams kept per user+client; the oldest is forgotten first. */
  maxStreamsPerCaller: 16,
  /** Streams kept on one instance, all callers together. */
  maxStreams: 10_000,
  /** Events and bytes recorded per stream; past either, the stream is no longer resumable. */
  maxEventsPerStream: 1000,
  maxBytesPerStream: 4 * 1024 * 1024,
  /** How long a finished stream can still be resumed, ms. */
  retainMs: 60_000,
  /** Longest life of one call whose client went away (its work is then aborted), ms. */
  maxLifetimeMs: 10 * 60_000,
})

interface PostStream {
  readonly owner: string
  readonly frames: Uint8Array[]
  readonly listeners: Set<(frame: Uint8Array | undefined) => void>
  bytes: number
  done: boolean
  /** The SDK's answer ended (the call is over). */
  finished: boolean
  /** The client of the `POST` went away: only a resumption can still get the answer. */
  clientGone: boolean
  /** Stops the call's work (nobody can get its answer any more). */
  readonly abandon: () => void
  expiresAt: number
}

const encoder = new TextEncoder()
/** `<stream id>:<sequence>`: the stream id is 128 random bits, so ids cannot be guessed. */
const EVENT_ID = /^([A-Za-z0-9_-]{22}):(\d{1,6})$/

const ownerOf = (caller: McpIdentity): string => `${caller.sub}\u0000${caller.clientId}`
const sseResponse = (body: ReadableStream<Uint8Array>, headers?: Headers): Response => {
  const out = new Headers(headers)
  out.set('content-type', 'text/event-stream')
  out.set('cache-control', 'no-store')
  return new Response(body, { status: 200, headers: out })
}

/**
 * The MCP 2025-11-25 POST streams of one endpoint, made resumable (Streamable HTTP "Resumability
 * and Redelivery", SEP-1699): each stream opens with a priming event (an `id`, empty `data`) and
 * a `retry` field, every message gets an id, and a `GET` with `Last-Event-ID` from the same user
 * and client replays what followed on that stream and nothing from any other stream. The log is
 * in this instance's memory and bounded (`RESUMABLE_STREAM_LIMITS`); a resumption that reaches
 * another instance finds no stream and is answered 404 (docs/server.md "Resumable streams").
 */
export class ResumableStreams {
  readonly #streams = new Map<string, PostStream>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Streams kept on this instance (for tests). */
  get size(): number {
    return this.#streams.size
  }

  /** Whether `lastEventId` has the shape of an id given by {@link record}. */
  static owns(lastEventId: string): boolean {
    return EVENT_ID.test(lastEventId)
  }

  /**
   * Answers with `response` (an SDK SSE answer) primed and numbered, and records it for `caller`.
   * The SDK body is read to its end even when the client goes away, so that a resumption gets
   * the answer; `onEnd` runs when it ends. `abandon` stops the call's work once its client is
   * gone and the stream is forgotten (bounds, expiry, shutdown): no one could get the answer.
   * A revocation event covering the `POST`'s token (`authority`) ends it all: client, stream, work.
   */
  record(
    response: Response,
    caller: McpIdentity,
    work: { onEnd: () => void; abandon: () => void; authority?: StreamAuthority },
  ): Response {
    if (response.body === null) return response
    this.#sweep()
    const id = randomBytes(16).toString('base64url')
    const stream: PostStream = {
      owner: ownerOf(caller),
      frames: [],
      listeners: new Set(),
      bytes: 0,
      done: false,
      finished: false,
      clientGone: false,
      abandon: work.abandon,
      expiresAt: this.#now() + RESUMABLE_STREAM_LIMITS.maxLifetimeMs,
    }
    this.#keep(id, stream)
    const source = response.body
    let client: ReadableStreamDefaultController<Uint8Array> | undefined
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        client = controller
        controller.enqueue(
          encoder.encode(`retry: ${String(SSE_RETRY_MS)}\nid: ${id}:0\ndata: \n\n`),
        )
        const deliver = (frame: Uint8Array | undefined): void => {
          try {
            if (frame === undefined) client?.close()
            else client?.enqueue(frame)
          } catch {
            client = undefined
          }
        }
        const unsubscribe = work.authority?.onRevocation(() => {
          if (work.authority?.revoked() !== true) return
          deliver(undefined)
          stream.clientGone = true
          this.#drop(id, stream)
        })
        void this.#pump(id, stream, source, deliver).finally(() => {
          unsubscribe?.()
          work.onEnd()
        })
      },
      cancel: () => {
        // The client went away: the call goes on and is recorded for a `Last-Event-ID`
        // resumption, unless the stream was already forgotten.
        client = undefined
        stream.clientGone = true
        if (!stream.finished && !this.#streams.has(id)) stream.abandon()
      },
    })
    return sseResponse(body, response.headers)
  }

  /**
   * A `GET` with `Last-Event-ID`: what followed that event on its stream, then the rest as it
   * comes. `undefined` when the id is unknown, expired or another caller's (no difference shows).
   * Like a notification stream, it ends on a revocation event that covers the resuming token.
   */
  resume(
    lastEventId: string,
    caller: McpIdentity,
    signal: AbortSignal,
    authority?: StreamAuthority,
  ): Response | undefined {
    this.#sweep()
    const [, id, seq] = EVENT_ID.exec(lastEventId) ?? []
    const stream = id === undefined ? undefined : this.#streams.get(id)
    if (stream?.owner !== ownerOf(caller) || Number(seq) > stream.frames.length) return undefined
    let listener: ((frame: Uint8Array | undefined) => void) | undefined
    let unsubscribe: (() => void) | undefined
    const stop = (): void => {
      if (listener !== undefined) stream.listeners.delete(listener)
      unsubscribe?.()
      signal.removeEventListener('abort', stop)
    }
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(encoder.encode(`retry: ${String(SSE_RETRY_MS)}\n\n`))
        for (const frame of stream.frames.slice(Number(seq))) controller.enqueue(frame)
        if (stream.done) {
          controller.close()
          return
        }
        unsubscribe = authority?.onRevocation(() => {
          if (authority.revoked()) listener?.(undefined)
        })
        listener = (frame) => {
          try {
            if (frame === undefined) controller.close()
            else controller.enqueue(frame)
          } catch {
            stop()
          }
          if (frame === undefined) stop()
        }
        stream.listeners.add(listener)
        signal.addEventListener('abort', stop, { once: true })
      },
      cancel: stop,
    })
    return sseResponse(body)
  }

  /** Forgets every stream (shutdown). */
  closeAll(): void {
    for (const [id, stream] of [...this.#streams]) {
      stream.clientGone = true
      this.#drop(id, stream)
    }
  }

  /** Reads the SDK's SSE body event by event: numbers, records and delivers each. */
  async #pump(
    id: string,
    stream: PostStream,
    source: ReadableStream<Uint8Array>,
    deliver: (frame: Uint8Array | undefined) => void,
  ): Promise<void> {
    const decoder = new TextDecoder()
    let buffer = ''
    const emit = (block: string): void => {
      const lines = block.split(/\r?\n/).filter((line) => !line.startsWith('id:'))
      // Comments (keep-alives) go to the live client only; they carry nothing to replay.
      if (lines.every((line) => line === '' || line.startsWith(':'))) {
        deliver(encoder.encode(`${block}\n\n`))
        return
      }
      const seq = stream.frames.length + 1
      const frame = encoder.encode(`id: ${id}:${String(seq)}\n${lines.join('\n')}\n\n`)
      this.#append(id, stream, frame)
      deliver(frame)
    }
    try {
      for await (const chunk of source) {
        buffer += decoder.decode(chunk, { stream: true })
        for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
          emit(buffer.slice(0, end))
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
        }
      }
      if (buffer.trim() !== '') emit(buffer)
    } finally {
      stream.finished = true
      deliver(undefined)
      this.#end(stream)
      stream.expiresAt = this.#now() + RESUMABLE_STREAM_LIMITS.retainMs
    }
  }

  #append(id: string, stream: PostStream, frame: Uint8Array): void {
    if (!this.#streams.has(id)) return
    stream.bytes += frame.byteLength
    if (
      stream.frames.length >= RESUMABLE_STREAM_LIMITS.maxEventsPerStream ||
      stream.bytes > RESUMABLE_STREAM_LIMITS.maxBytesPerStream
    ) {
      // Too big to keep: no longer resumable (the live client still gets everything).
      this.#drop(id, stream)
      return
    }
    stream.frames.push(frame)
    for (const listener of stream.listeners) listener(frame)
  }

  /** Forgets a stream; its call is stopped when its client is gone too. */
  #drop(id: string, stream: PostStream): void {
    this.#streams.delete(id)
    this.#end(stream)
    if (!stream.finished && stream.clientGone) stream.abandon()
  }

  #end(stream: PostStream): void {
    stream.done = true
    for (const listener of stream.listeners) listener(undefined)
    stream.listeners.clear()
  }

  /** Adds a stream within the per-caller and per-instance bounds (oldest forgotten first). */
  #keep(id: string, stream: PostStream): void {
    const mine = [...this.#streams].filter(([, other]) => other.owner === stream.owner)
    const excess = Math.max(0, mine.length + 1 - RESUMABLE_STREAM_LIMITS.maxStreamsPerCaller)
    for (const [oldId, old] of mine.slice(0, excess)) {
      this.#drop(oldId, old)
    }
    for (const [oldId, old] of this.#streams) {
      if (this.#streams.size < RESUMABLE_STREAM_LIMITS.maxStreams) break
      this.#drop(oldId, old)
    }
    this.#streams.set(id, stream)
  }

  #sweep(): void {
    const now = this.#now()
    for (const [id, stream] of this.#streams) {
      if (stream.expiresAt <= now) {
        this.#drop(id, stream)
      }
    }
  }
}
