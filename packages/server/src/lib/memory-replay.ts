/**
 * A per-process set-if-absent, for single-instance deployments without a store. Several
 * instances need the store's `setIfAbsent` (catalogue #114), or a proof replays on another node.
 */
export function memoryReplayCache(
  maxEntries = 100_000,
): (key: string, ttlMs: number) => Promise<boolean> {
  const seen = new Map<string, number>()
  return (key, ttlMs) => {
    const now = Date.now()
    const until = seen.get(key)
    if (until !== undefined && until > now) return Promise.resolve(false)
    if (seen.size >= maxEntries) {
      for (const [k, u] of seen) {
        if (u <= now || seen.size >= maxEntries) seen.delete(k)
        if (seen.size < maxEntries / 2) break
      }
    }
    seen.set(key, now + ttlMs)
    return Promise.resolve(true)
  }
}
