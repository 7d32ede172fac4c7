import type { RevocationEvent } from '@mandate/core'
import { RevocationListener, storeRevocationFeed } from '@mandate/server'
import type { RevocationFeed, RevocationSink } from '@mandate/server'
import type { Store } from '@mandate/store'
import type { TokenExchangeClient } from '../credentials/token-exchange-client.ts'
import { isSharedProcess } from '../upstreams/shared-process.ts'
import type { SessionPool } from '../upstreams/session-pool.ts'
import type { CallerOrigin } from './caller-origin.ts'

/**
 * The revocations the gateway honours besides the front's token checks (issue 12,
 * docs/gateway.md): the same events, from one subscription shared with the protected front.
 */
export interface RevocationWatch {
  /** What the protected front reads: the source, with every event also seen by the gateway. */
  readonly feed: RevocationFeed
  /** Whether an event already covers this caller token. */
  readonly revoked: (origin: CallerOrigin) => boolean
  /** Calls `listener` after each event was recorded (`all` when messages may have been lost). */
  onEvent(listener: (event: RevocationEvent) => void): () => void
}

/**
 * Taps the revocation source of the gateway (an explicit feed, else the store's: pub/sub and
 * the revocation log); undefined when there is none (then nothing is revoked early).
 */
export function watchRevocations(options: {
  revocationFeed?: RevocationFeed | undefined
  store?: Store | undefined
}): RevocationWatch | undefined {
  const source =
    options.revocationFeed ??
    (options.store === undefined ? undefined : storeRevocationFeed(options.store))
  if (source === undefined) return undefined
  // Only a record of events (no source of its own): the tee below feeds it.
  const mirror = new RevocationListener(undefined)
  const tee = (sink: RevocationSink): RevocationSink => ({
    apply(event) {
      sink.apply(event)
      mirror.apply(event)
    },
    resync() {
      sink.resync()
      mirror.resync()
    },
    synced() {
      sink.synced()
      mirror.synced()
    },
  })
  return {
    feed: { start: (sink) => source.start(tee(sink)) },
    revoked: (origin) => mirror.revokedByEvent(origin.token, origin.tokenHash),
    onEvent: (listener) => mirror.onEvent(listener),
  }
}

/**
 * What an event ends at once: cached exchanged tokens derived from a covered caller token, and
 * that caller's upstream sessions (connections, stdio processes); a removed linked account
 * ends the sessions that were given it. `all` (the feed may have lost events) makes every
 * cached exchanged token stale; the events replayed from the revocation log then close sessions.
 */
export function honourRevocations(
  watch: RevocationWatch,
  parts: {
    pool: SessionPool
    exchange: TokenExchangeClient | undefined
    onError: (error: unknown) => void
  },
): () => void {
  // The store feed re-reads recent events on every poll: each is acted on once.
  const seen = new Set<number>()
  return watch.onEvent((event) => {
    if (typeof event.seq === 'number') {
      if (seen.has(event.seq)) return
      if (seen.size >= 10_000) seen.clear()
      seen.add(event.seq)
    }
    if (event.type === 'all') {
      parts.exchange?.staleAll()
      return
    }
    if (event.type === 'credential') {
      parts.pool
        .closeWhere(
          (s) =>
            s.owner.sub === event.sub &&
            s.upstream.credential.kind === 'vault' &&
            s.upstream.credential.provider === event.provider,
        )
        .catch(parts.onError)
      return
    }
    parts.exchange?.forgetWhere(watch.revoked)
    // A shared process holds no caller's credential: the caller is refused, the process stays.
    parts.pool
      .closeWhere((s) => !isSharedProcess(s.upstream) && watch.revoked(s.origin))
      .catch(parts.onError)
  })
}
