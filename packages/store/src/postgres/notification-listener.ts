import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import type { Logger } from '@mandate/core'
import { LocalPubSub } from '../lib/local-pubsub.ts'
import type { JsonValue } from '../store.ts'

/** NOTIFY payloads are limited to 8000 bytes by PostgreSQL. */
export const MAX_PAYLOAD_BYTES = 7_900

/**
 * One LISTEN connection per process on one PostgreSQL channel; Mandate channels are routed
 * inside the payload. Reconnects with backoff after the connection drops (database restart,
 * terminated backend) and then tells `onResubscribe` handlers that messages may have been lost.
 */
export class NotificationListener {
  readonly #config: pg.ClientConfig
  readonly #channel: string
  readonly #logger: Logger
  readonly #local = new LocalPubSub()
  readonly #resubscribed = new Set<() => void>()
  #client: pg.Client | undefined
  #closed = false
  #reconnecting = false

  constructor(config: pg.ClientConfig, channel: string, logger: Logger) {
    this.#config = config
    this.#channel = channel
    this.#logger = logger
  }

  async start(): Promise<void> {
    await this.#connect()
  }

  subscribe(channel: string, handler: (message: JsonValue) => void): () => void {
    return this.#local.subscribe(channel, handler)
  }

  onResubscribe(handler: () => void): () => void {
    this.#resubscribed.add(handler)
    return () => this.#resubscribed.delete(handler)
  }

  async close(): Promise<void> {
    this.#closed = true
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => undefined)
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#config)
    client.on('notification', (notification) => {
      if (notification.channel !== this.#channel || notification.payload === undefined) return
      try {
        const { c, m } = JSON.parse(notification.payload) as { c: string; m: JsonValue }
        this.#local.deliver(c, m)
      } catch {
        this.#logger.warn('ignored a malformed notification')
      }
    })
    const onDrop = (error?: Error) => {
      if (this.#client !== client) return
      this.#client = undefined
      client.end().catch(() => undefined)
      if (!this.#closed) {
        this.#logger.warn('notification connection lost; reconnecting', { error })
        void this.#reconnect()
      }
    }
    client.on('error', onDrop)
    client.on('end', () => {
      onDrop()
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${quoteIdentifier(this.#channel)}`)
    } catch (error) {
      await client.end().catch(() => undefined)
      throw error
    }
    this.#client = client
  }

  async #reconnect(): Promise<void> {
    if (this.#reconnecting) return
    this.#reconnecting = true
    let delay = 50
    try {
      while (!this.#closed) {
        try {
          await this.#connect()
          this.#logger.info('notification connection restored')
          for (const handler of this.#resubscribed) handler()
          return
        } catch {
          await sleep(delay)
          delay = Math.min(delay * 2, 2_000)
        }
      }
    } finally {
      this.#reconnecting = false
    }
  }
}

/**
 * A PostgreSQL quoted identifier (schema or channel name) for SQL text where no parameter can
 * stand.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
