import type { Store } from '@mandate/store'

const WINDOW_MS = 60_000

/**
 * A per-origin budget of outbound fetches per minute, shared by every instance: the n-th
 * fetch of the minute claims slot n with the store's atomic `setIfAbsent`; when all slots
 * are taken the fetch is refused. Each instance remembers the lowest slot that may still be
 * free, so a claim usually costs one query.
 */
export function originFetchBudget(
  store: Store,
  perMinute: number,
): (origin: string) => Promise<boolean> {
  const hints = new Map<string, number>()
  return async (origin) => {
    const window = Math.floor(Date.now() / WINDOW_MS)
    const key = `${origin} ${String(window)}`
    for (let slot = hints.get(key) ?? 0; slot < perMinute; slot++) {
      if (
        await store.setIfAbsent(`as:fetch:${origin}:${String(window)}:${String(slot)}`, WINDOW_MS)
      ) {
        if (hints.size > 1_000) hints.clear()
        hints.set(key, slot + 1)
        return true
      }
    }
    hints.set(key, perMinute)
    return false
  }
}
