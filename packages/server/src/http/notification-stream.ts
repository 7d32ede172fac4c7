import type { Logger } from '@mandate/core'
import type { JSONRPCNotification } from '@modelcontextprotocol/server'
import type { McpIdentity } from '../identity.ts'
import type { NotificationStreamOptions } from '../notifications.ts'

interface OpenStream {
  readonly key: string
  readonly close: () => void
}

/** How one stream learns that its token stopped being good before it expires. */
export interface StreamAuthority {
  /** Whether the token behind the stream was revoked since it was verified. */
  revoked(): boolean
  /** Calls `check` on each revocation event; returns the unsubscribe function. */
  onRevocation(check: () => void): () => void
}

const encoder = new TextEncoder()
/** Reconnect after 1 s (SSE `retry`): a stream ends at token expiry and the client comes back. */
const PRELUDE = encoder.encode('retry: 1000\n\n')
const KEEP_ALIVE = encoder.encode(': keep-alive\n\n')

/**
 * The MCP 2025-11-25 standalone SSE streams of one endpoint (Streamable HTTP, "Listening for
 * Messages from the Server"): one per `GET`, carrying only the caller's own notifications, and
 * never outliving the token that opened it (expiry, revocation) or the instance (`closeAll`).
 */
export class NotificationStreams {
  readonly #open = new Map<string, Set<OpenStream>>()
  readonly #options: Required<NotificationStreamOptions>
  readonly #logger: Logger
  readonly #now: () => number

  /** `options` come resolved (defaults applied by `resolveProtectConfig`). */
  constructor(
    options: Required<NotificationStreamOptions>,
    logger: Logger,
    now: () => number = Date.now,
  ) {
    this.#options = options
    this.#logger = logger
    this.#now = now
  }

  /** Opens a stream for `caller`; the response body stays open until one of the ends above. */
  open(request: Request, caller: McpIdentity, authority: StreamAuthority): Response {
    const key = `${caller.sub}\u0000${caller.clientId}`
    const mine = this.#open.get(key) ?? new Set<OpenStream>()
    this.#open.set(key, mine)
    // Bounded per user+client: a client reconnecting in a loop cannot pile up sockets.
    while (mine.size >= this.#options.maxStreamsPerCaller) {
      const [oldest] = mine
      oldest?.close()
    }
    const cleanup: (() => void)[] = []
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined
    let closed = false
    const stream: OpenStream = {
      key,
      close: () => {
        if (closed) return
        closed = true
        for (const undo of cleanup.splice(0)) undo()
        mine.delete(stream)
        if (mine.size === 0 && this.#open.get(key) === mine) this.#open.delete(key)
        try {
          controller?.close()
        } catch {
          // Already closed by the client going away.
        }
      },
    }
    const write = (bytes: Uint8Array): void => {
      if (closed || controller === undefined) return
      try {
        controller.enqueue(bytes)
      } catch {
        stream.close()
      }
    }
    const body = new ReadableStream<Uint8Array>({
      start: (ctrl) => {
        controller = ctrl
        mine.add(stream)
        ctrl.enqueue(PRELUDE)
        this.#watch({ stream, request, caller, authority, write, cleanup })
      },
      cancel: () => {
        stream.close()
      },
    })
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      },
    })
  }

  /** Streams open on this instance (for tests and metrics). */
  get size(): number {
    let total = 0
    for (const set of this.#open.values()) total += set.size
    return total
  }

  /** Ends every stream (shutdown: the server can drain). */
  closeAll(): void {
    for (const set of [...this.#open.values()]) for (const stream of [...set]) stream.close()
  }

  /** Everything that ends or feeds one stream; each undo goes in `cleanup` as it is set up. */
  #watch(watched: {
    stream: OpenStream
    request: Request
    caller: McpIdentity
    authority: StreamAuthority
    write: (bytes: Uint8Array) => void
    cleanup: (() => void)[]
  }): void {
    const { stream, request, caller, authority, write, cleanup } = watched
    const lifetimeMs = Math.min(
      caller.expiresAt * 1000 - this.#now(),
      this.#options.maxStreamSeconds * 1000,
    )
    const end = setTimeout(stream.close, Math.max(0, lifetimeMs))
    const keepAlive = setInterval(() => {
      write(KEEP_ALIVE)
    }, this.#options.keepAliveSeconds * 1000)
    end.unref()
    keepAlive.unref()
    const onAbort = (): void => {
      stream.close()
    }
    request.signal.addEventListener('abort', onAbort, { once: true })
    cleanup.push(
      () => {
        clearTimeout(end)
      },
      () => {
        clearInterval(keepAlive)
      },
      // A revoked token's stream ends with it (design: revocation within a second).
      authority.onRevocation(() => {
        if (authority.revoked()) stream.close()
      }),
      () => {
        request.signal.removeEventListener('abort', onAbort)
      },
    )
    const send = (notification: JSONRPCNotification): void => {
      write(encoder.encode(`event: message\ndata: ${JSON.stringify(notification)}\n\n`))
    }
    try {
      cleanup.push(this.#options.source.subscribe(caller, send))
    } catch (error) {
      this.#logger.warn('notification source failed', { error })
      stream.close()
    }
  }
}
