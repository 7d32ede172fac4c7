import { createHash } from 'node:crypto'
import type { KeyWrapper } from './key-wrapper.ts'

/** Bounds of the in-memory cache of unwrapped data keys (a KMS round trip per read otherwise). */
export interface CachingKeyWrapperOptions {
  /** How long an unwrapped data key is kept. Default 5 min. */
  ttlMs?: number
  /** At most this many data keys in memory; the oldest go first. Default 1000. */
  maxEntries?: number
  now?: () => number
}

/**
 * Wraps a KMS-backed key wrapper with a bounded, in-memory-only cache of unwrapped data keys,
 * so that reads do not each cost a KMS call and survive a short KMS outage. Nothing is written
 * anywhere; expired entries are zeroed; a KMS failure on a cache miss fails closed
 * (catalogue #199).
 */
export function cachingKeyWrapper(
  wrapper: KeyWrapper,
  { ttlMs = 300_000, maxEntries = 1000, now = Date.now }: CachingKeyWrapperOptions = {},
): KeyWrapper {
  const cache = new Map<string, { key: Uint8Array; expires: number }>()
  const evict = (id: string) => {
    cache.get(id)?.key.fill(0)
    cache.delete(id)
  }
  return {
    description: `${wrapper.description} (cached)`,
    activeVersion: () => wrapper.activeVersion(),
    versions: () => wrapper.versions(),
    wrap: (version, dataKey, aad) => wrapper.wrap(version, dataKey, aad),
    unwrap: async (version, wrapped, aad) => {
      const id = createHash('sha256')
        .update(`${String(version)}\0`)
        .update(wrapped)
        .update('\0')
        .update(aad)
        .digest('base64url')
      const hit = cache.get(id)
      if (hit !== undefined && hit.expires > now()) return Uint8Array.from(hit.key)
      if (hit !== undefined) evict(id)
      const key = await wrapper.unwrap(version, wrapped, aad)
      while (cache.size >= maxEntries) {
        const oldest = cache.keys().next()
        if (oldest.done === true) break
        evict(oldest.value)
      }
      cache.set(id, { key: Uint8Array.from(key), expires: now() + ttlMs })
      return key
    },
  }
}
