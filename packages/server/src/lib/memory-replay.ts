import { DpopProofError } from '../dpop/dpop-proof-error.ts'

/** Options of {@link memoryReplayCache}. */
export interface MemoryReplayOptions {
  /** Hard cap on keys held; past it every proof is refused. Default 1,000,000 (~140 MB). */
  maxEntries?: number
  /** Called once per generation while the cap refuses proofs (for a log line). */
  onFull?: (entries: number) => void
  /** The clock, ms since the epoch. Default `Date.now`. */
  now?: () => number
}

/**
 * A per-process set-if-absent, for single-instance deployments without a store. Several
 * instances need the store's `setIfAbsent` (catalogue #114), or a proof replays on another node.
 *
 * Keys live in two generations, each as long as the longest TTL seen: a lookup checks both, and
 * the older one is dropped whole when a new one starts, so memory is bounded by what arrives in
 * two TTLs and no key is forgotten before its TTL ends (RFC 9449 §11.1). Evicting live keys to
 * make room would let a proof replay within its `iat` window; at `maxEntries` the cache fails
 * closed instead: `invalid_dpop_proof` ("dpop replay cache full") until a generation ends.
 */
export function memoryReplayCache(
  options: MemoryReplayOptions = {},
): (key: string, ttlMs: number) => Promise<boolean> {
  const maxEntries = options.maxEntries ?? 1_000_000
  const now = options.now ?? Date.now
  let current = new Map<string, number>()
  let previous = new Map<string, number>()
  let period = 0
  let started = now()
  let reported = false
  return (key, ttlMs) => {
    const at = now()
    if (ttlMs > period) period = ttlMs
    if (at >= started + period) {
      // Past two periods every key of both generations has expired.
      previous = at >= started + 2 * period ? new Map<string, number>() : current
      current = new Map<string, number>()
      started = at
      reported = false
    }
    const until = current.get(key) ?? previous.get(key)
    if (until !== undefined && until > at) return Promise.resolve(false)
    if (current.size + previous.size >= maxEntries) {
      if (!reported) options.onFull?.(current.size + previous.size)
      reported = true
      return Promise.reject(new DpopProofError('invalid_dpop_proof', 'dpop replay cache full'))
    }
    current.set(key, at + ttlMs)
    return Promise.resolve(true)
  }
}
