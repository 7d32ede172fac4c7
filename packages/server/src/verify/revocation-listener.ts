import { REVOCATION_CHANNEL } from '@mandate/core'
import type { RevocationEvent } from '@mandate/core'
import type { Store } from '@mandate/store'
import { storeRevocationFeed } from './revocation-feed.ts'
import type { RevocationFeed, RevocationSink } from './revocation-feed.ts'
import type { VerifiedToken } from './verified-token.ts'

/** The part of the store a revocation listener needs (with `db`, the log is read too). */
export type RevocationSource = Pick<Store, 'subscribe' | 'onResubscribe'> &
  Partial<Pick<Store, 'db' | 'kind'>>

/** How long a {@link RevocationListener} trusts its state and remembers events. */
export interface RevocationListenerOptions {
  /**
   * Fail closed when the feed has not been confirmed complete for this long, ms: every token
   * is refused until it is again (docs/revocation.md). Default 10000.
   */
  staleAfterMs?: number
  /** How long to remember an event that carries no `expires_at`, seconds. Default 86700. */
  maxTokenLifetimeSeconds?: number
}

/**
 * The revocations a resource server honours (design: data flow 5): revoked `jti`s until their
 * expiry, and grant, user, client and signing-key cut-offs, fed by the store (pub/sub plus the
 * revocation log) or the authorization server's HTTP feed. Checked on every request, cached
 * verifications included, and by open notification streams on every event.
 */
export class RevocationListener implements RevocationSink {
  readonly #jtis = new Map<string, number>()
  readonly #hashes = new Map<string, number>()
  readonly #grants = new Map<string, { at: number; until: number }>()
  readonly #subjects = new Map<string, { at: number; until: number }>()
  readonly #clients = new Map<string, { at: number; until: number }>()
  readonly #kids = new Map<string, number>()
  #allBefore = 0
  readonly #listeners = new Set<(event: RevocationEvent) => void>()
  readonly #waiters = new Set<() => void>()
  readonly #stop: (() => void)[] = []
  readonly #ttlMs: number
  readonly #staleAfterMs: number
  readonly #tracked: boolean
  #syncedAt = 0
  #resyncing = false

  constructor(
    source: RevocationSource | RevocationFeed | undefined,
    options: RevocationListenerOptions = {},
  ) {
    this.#ttlMs = (options.maxTokenLifetimeSeconds ?? 86_700) * 1000
    this.#staleAfterMs = options.staleAfterMs ?? 10_000
    this.#tracked = source !== undefined
    if (source === undefined) return
    this.#stop.push(feedOf(source).start(this))
  }

  /** Records an event (also used directly by tests and single-process setups). */
  apply(event: RevocationEvent): void {
    const now = Date.now()
    const at = event.at ?? now
    const until = event.expires_at ?? now + this.#ttlMs
    this.#prune(now)
    switch (event.type) {
      case 'token':
        if (typeof event.jti === 'string') this.#jtis.set(event.jti, until)
        if (typeof event.token_hash === 'string') this.#hashes.set(event.token_hash, until)
        break
      case 'grant':
        cut(this.#grants, event.gid, at, until)
        break
      case 'subject':
        cut(this.#subjects, event.sub, at, until)
        break
      case 'client':
        cut(this.#clients, event.client_id, at, until)
        break
      case 'key':
        this.#kids.set(event.kid, until)
        break
      case 'credential':
        break
      case 'all':
        this.#allBefore = Math.max(this.#allBefore, at)
        break
    }
    for (const listener of this.#listeners) listener(event)
  }

  /** Messages may have been lost: caches drop everything, requests wait for `synced`. */
  resync(): void {
    this.#resyncing = true
    this.apply({ type: 'all' })
  }

  synced(): void {
    this.#syncedAt = Date.now()
    this.#resyncing = false
    for (const wake of this.#waiters) wake()
    this.#waiters.clear()
  }

  /** Whether revocations are known to be complete enough to accept a token now. */
  get current(): boolean {
    if (!this.#tracked) return true
    return !this.#resyncing && Date.now() - this.#syncedAt <= this.#staleAfterMs
  }

  /** Waits (at most `timeoutMs`) until the state is current; false when it did not become so. */
  async ready(timeoutMs = 2_000): Promise<boolean> {
    if (this.current) return true
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.#waiters.add(done)
    })
    return this.current
  }

  /** Called for every event, after it was recorded (caches drop entries here). */
  onEvent(listener: (event: RevocationEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /**
   * Whether `token` must be refused: revoked, or the revocation state is stale (fail closed).
   * `tokenHash` is the base64url SHA-256 of the token (for opaque-token events).
   */
  isRevoked(token: VerifiedToken, tokenHash: string): boolean {
    return !this.current || this.revokedByEvent(token, tokenHash)
  }

  /** Whether an event names `token` (ignoring staleness). */
  revokedByEvent(token: VerifiedToken, tokenHash: string): boolean {
    if (token.jti !== undefined && this.#jtis.has(token.jti)) return true
    if (this.#hashes.has(tokenHash)) return true
    if (token.kid !== undefined && this.#kids.has(token.kid)) return true
    // Mandate's `iat` carries ms; with whole seconds, a token of the cut-off's second is refused.
    const issuedAtMs = (token.issuedAt ?? 0) * 1000
    const covered = (entry: { at: number } | undefined): boolean =>
      entry !== undefined && issuedAtMs <= entry.at
    if (token.gid !== undefined && covered(this.#grants.get(token.gid))) return true
    if (covered(this.#subjects.get(token.sub))) return true
    return covered(this.#clients.get(token.clientId))
  }

  /** Time of the last "everything before now is suspect" event, ms. */
  get allBefore(): number {
    return this.#allBefore
  }

  close(): void {
    for (const stop of this.#stop.splice(0)) stop()
  }

  #prune(now: number): void {
    for (const map of [this.#jtis, this.#hashes, this.#kids]) {
      for (const [key, until] of map) if (until < now) map.delete(key)
    }
    for (const map of [this.#grants, this.#subjects, this.#clients]) {
      for (const [key, entry] of map) if (entry.until < now) map.delete(key)
    }
  }
}

function cut(
  map: Map<string, { at: number; until: number }>,
  key: string,
  at: number,
  until: number,
): void {
  const previous = map.get(key)
  map.set(key, {
    at: Math.max(previous?.at ?? 0, at),
    until: Math.max(previous?.until ?? 0, until),
  })
}

function feedOf(source: RevocationSource | RevocationFeed): RevocationFeed {
  if ('start' in source) return source
  if (source.db !== undefined && source.kind !== undefined) {
    return storeRevocationFeed({ ...source, db: source.db, kind: source.kind })
  }
  // Pub/sub only (no log to catch up from): current from the start; a reconnection drops
  // caches and events sent meanwhile are lost (the pre-log behaviour).
  return {
    start: (sink) => {
      sink.synced()
      const stops = [
        source.subscribe(REVOCATION_CHANNEL, (message) => {
          sink.apply(message as unknown as RevocationEvent)
        }),
        source.onResubscribe(() => {
          sink.apply({ type: 'all' })
        }),
      ]
      const keepCurrent = setInterval(() => {
        sink.synced()
      }, 1_000)
      keepCurrent.unref()
      return () => {
        clearInterval(keepCurrent)
        for (const stop of stops) stop()
      }
    },
  }
}
