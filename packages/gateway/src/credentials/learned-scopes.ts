import { ConfigurationError } from '@mandate/core'

/** Bounds of the learned scopes: entries kept, and how long one lasts after its last 403. */
export interface LearnedScopesLimits {
  readonly maxEntries: number
  readonly ttlMs: number
  readonly now?: () => number
}

interface Entry {
  scopes: readonly string[]
  expiresAt: number
}

/**
 * Scopes `exchange` upstreams demanded with 403 `insufficient_scope` (RFC 6750 §3.1), by upstream
 * and tool, so that later calls exchange for them up front and the front challenges a caller
 * whose token lacks them before the call. Shared by all callers: it only ever raises what a tool
 * needs, never grants anything, and holds scope names only (no token). Bounded (oldest first
 * out), expiring, and cleared when the configuration is reloaded. Callers of `remember` check
 * that every scope is within the upstream's `scopes` + `stepUpScopes`.
 */
export class LearnedScopes {
  readonly #entries = new Map<string, Entry>()
  readonly #limits: LearnedScopesLimits
  readonly #now: () => number

  constructor(limits: LearnedScopesLimits) {
    this.#limits = limits
    this.#now = limits.now ?? Date.now
  }

  /** Adds `scopes` to what `upstream`'s `tool` is known to need (and renews the entry). */
  remember(upstream: string, tool: string, scopes: readonly string[]): void {
    if (scopes.length === 0 || this.#limits.maxEntries <= 0) return
    const key = keyOf(upstream, tool)
    const known = this.get(upstream, tool)
    this.#entries.delete(key)
    this.#entries.set(key, {
      scopes: [...new Set([...known, ...scopes])],
      expiresAt: this.#now() + this.#limits.ttlMs,
    })
    while (this.#entries.size > this.#limits.maxEntries) {
      const oldest = this.#entries.keys().next()
      if (oldest.done === true) break
      this.#entries.delete(oldest.value)
    }
  }

  /** What `upstream`'s `tool` is known to need beyond its configured scopes (empty if nothing). */
  get(upstream: string, tool: string): readonly string[] {
    if (this.#entries.size === 0) return []
    const key = keyOf(upstream, tool)
    const entry = this.#entries.get(key)
    if (entry === undefined) return []
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key)
      return []
    }
    return entry.scopes
  }

  /** Forgets everything (a configuration reload may have changed any upstream's scopes). */
  clear(): void {
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }
}

function keyOf(upstream: string, tool: string): string {
  return JSON.stringify([upstream, tool])
}

/**
 * `GatewayOptions.learnedScopes` with its defaults (1000 entries, 1 h), checked: a bound that is
 * not a number would leave the memory unbounded or never expiring.
 */
export function learnedScopesLimits(
  options: { maxEntries?: number; ttlMs?: number } | undefined,
): LearnedScopesLimits {
  const maxEntries = options?.maxEntries ?? 1000
  const ttlMs = options?.ttlMs ?? 3_600_000
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 0)
    throw new ConfigurationError('gateway.learnedScopes.maxEntries', 'must be an integer >= 0')
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)
    throw new ConfigurationError('gateway.learnedScopes.ttlMs', 'must be an integer > 0')
  return { maxEntries, ttlMs }
}
