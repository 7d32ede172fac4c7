import { REVOCATION_CHANNEL } from '@mandate/core'
import type { RevocationEvent } from '@mandate/core'
import { recentRevocations, revocationsAfter } from '@mandate/store'
import type { Store } from '@mandate/store'

/** Where a {@link RevocationFeed} delivers. Implemented by `RevocationListener`. */
export interface RevocationSink {
  /** Records one event (idempotent: an event may arrive twice, by push and by catch-up). */
  apply(event: RevocationEvent): void
  /** Events may have been lost: every cached decision is suspect until `synced`. */
  resync(): void
  /** The feed is complete up to now. */
  synced(): void
}

/** A source of revocation events: the store (pub/sub + log) or the HTTP feed of an AS. */
export interface RevocationFeed {
  /** Starts delivering to `sink`; returns the stop function. */
  start(sink: RevocationSink): () => void
}

/** How {@link storeRevocationFeed} reads the store's revocation log. */
export interface StoreRevocationFeedOptions {
  /**
   * How often the revocation log is read, ms. Pub/sub pushes at once; the read catches what
   * pub/sub cannot carry: on SQLite another process (the CLI) shares no pub/sub with this one,
   * on PostgreSQL a message sent while LISTEN was down. Default 250 on SQLite, 2000 otherwise.
   */
  pollMs?: number
}

/**
 * Revocations from the store this process shares with the authorization server: pushed on
 * {@link REVOCATION_CHANNEL}, and read from the revocation log from the start (everything not
 * yet expired), then after every `pollMs` and after every reconnection (`onResubscribe`).
 */
export function storeRevocationFeed(
  store: Pick<Store, 'db' | 'kind' | 'subscribe' | 'onResubscribe'>,
  options: StoreRevocationFeedOptions = {},
): RevocationFeed {
  const pollMs = options.pollMs ?? (store.kind === 'sqlite' ? 250 : 2_000)
  return {
    start(sink) {
      let cursor = 0
      let stopped = false
      let running: Promise<void> | undefined
      const poll = (): Promise<void> => {
        running ??= (async () => {
          try {
            // On PostgreSQL a lower seq may commit after a higher one: re-read the last 5 s.
            const events = await recentRevocations(store, Date.now() - 5_000)
            for (;;) {
              const page = await revocationsAfter(store, cursor)
              events.push(...page)
              const last = page.at(-1)?.seq
              if (last === undefined) break
              cursor = Math.max(cursor, last)
              if (page.length < 1000) break
            }
            for (const event of events) sink.apply(event)
            sink.synced()
          } catch {
            // The sink's staleness bound decides when this becomes a refusal.
          } finally {
            running = undefined
          }
        })()
        return running
      }
      const advance = (event: RevocationEvent): void => {
        if (typeof event.seq === 'number' && event.seq > cursor) cursor = event.seq
      }
      const apply = (message: unknown): void => {
        const event = message as RevocationEvent
        sink.apply(event)
        advance(event)
      }
      const unsubscribe = store.subscribe(REVOCATION_CHANNEL, apply)
      const unresubscribe = store.onResubscribe(() => {
        sink.resync()
        void poll()
      })
      const timer = setInterval(() => {
        if (!stopped) void poll()
      }, pollMs)
      timer.unref()
      void poll()
      return () => {
        stopped = true
        clearInterval(timer)
        unsubscribe()
        unresubscribe()
      }
    },
  }
}
