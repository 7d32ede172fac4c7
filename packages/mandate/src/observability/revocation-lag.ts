import type { RevocationEvent } from '@mandate/core'
import type { RevocationFeed } from '@mandate/server'
import type { Metrics } from './metrics.ts'

const REMEMBERED = 10_000

/**
 * A revocation feed whose deliveries are measured: for each recorded event (one with `seq` and
 * its publication time `at`) the first time this consumer applies it, the time since `at` goes
 * to `mandate_revocation_lag_seconds`. Events published before the consumer started (the log
 * read at start) are catch-up, not lag, and are not observed; a repeat delivery (pushed, then
 * read again from the log) is observed once.
 */
export function measuredRevocationFeed(
  feed: RevocationFeed,
  metrics: Metrics,
  consumer: string,
): RevocationFeed {
  return {
    start(sink) {
      const startedAt = Date.now()
      const seen = new Set<number>()
      return feed.start({
        apply(event: RevocationEvent) {
          sink.apply(event)
          const { seq, at } = event
          if (typeof seq !== 'number' || typeof at !== 'number' || at < startedAt) return
          if (seen.has(seq)) return
          if (seen.size >= REMEMBERED) seen.delete(seen.values().next().value ?? seq)
          seen.add(seq)
          metrics.revocationApplied(consumer, Date.now() - at)
        },
        resync: () => {
          sink.resync()
        },
        synced: () => {
          sink.synced()
        },
      })
    },
  }
}
