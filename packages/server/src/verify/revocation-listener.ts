import { REVOCATION_CHANNEL } from '@mandate/core'
import type { RevocationEvent } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { VerifiedToken } from './verified-token.ts'

/** The part of the store a revocation listener needs. */
export type RevocationSource = Pick<Store, 'subscribe' | 'onResubscribe'>

/**
 * Remembers revocations announced on the store's pub/sub (design: data flow 5), so that a
 * self-contained JWT, or a cached introspection answer, stops working on every instance within
 * the pub/sub delay instead of at its expiry. Entries live as long as a token they could match
 * (`maxTokenLifetimeSeconds`).
 */
export class RevocationListener {
  readonly #jtis = new Map<string, number>()
  readonly #hashes = new Map<string, number>()
  readonly #subjects = new Map<string, number>()
  readonly #clients = new Map<string, number>()
  #allBefore = 0
  readonly #listeners = new Set<(event: RevocationEvent) => void>()
  readonly #stop: (() => void)[] = []
  readonly #ttlMs: number

  constructor(source: RevocationSource | undefined, maxTokenLifetimeSeconds = 3600) {
    this.#ttlMs = maxTokenLifetimeSeconds * 1000
    if (source === undefined) return
    this.#stop.push(
      source.subscribe(REVOCATION_CHANNEL, (message) => {
        this.apply(message as unknown as RevocationEvent)
      }),
      // Messages may have been lost while disconnected: distrust everything issued so far
      // that a cache holds (introspection re-asks; JWTs issued before now are re-checked by
      // their own expiry, which is the best a stateless token allows).
      source.onResubscribe(() => {
        this.apply({ type: 'all' })
      }),
    )
  }

  /** Records an event (also used directly by tests and single-process setups). */
  apply(event: RevocationEvent): void {
    const now = Date.now()
    const until = now + this.#ttlMs
    this.#prune(now)
    switch (event.type) {
      case 'token':
        if (typeof event.jti === 'string') this.#jtis.set(event.jti, until)
        if (typeof event.token_hash === 'string') this.#hashes.set(event.token_hash, until)
        break
      case 'subject':
        this.#subjects.set(event.sub, now)
        break
      case 'client':
        this.#clients.set(event.client_id, now)
        break
      case 'grant':
        break
      case 'all':
        this.#allBefore = now
        break
    }
    for (const listener of this.#listeners) listener(event)
  }

  /** Called for every event, after it was recorded (caches drop entries here). */
  onEvent(listener: (event: RevocationEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** Whether `token` was revoked. `issuedAtMs` defaults to "long ago" when unknown. */
  isRevoked(token: VerifiedToken, tokenHash: string): boolean {
    if (token.jti !== undefined && this.#jtis.has(token.jti)) return true
    if (this.#hashes.has(tokenHash)) return true
    const issuedAtMs = (token.issuedAt ?? 0) * 1000
    const subjectCut = this.#subjects.get(token.sub)
    if (subjectCut !== undefined && issuedAtMs <= subjectCut) return true
    const clientCut = this.#clients.get(token.clientId)
    if (clientCut !== undefined && issuedAtMs <= clientCut) return true
    return false
  }

  /** Time of the last "everything before now is suspect" event, ms. */
  get allBefore(): number {
    return this.#allBefore
  }

  close(): void {
    for (const stop of this.#stop.splice(0)) stop()
  }

  #prune(now: number): void {
    for (const map of [this.#jtis, this.#hashes]) {
      for (const [key, until] of map) if (until < now) map.delete(key)
    }
    for (const map of [this.#subjects, this.#clients]) {
      for (const [key, at] of map) if (at + this.#ttlMs < now) map.delete(key)
    }
  }
}
