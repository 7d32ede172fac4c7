import type { GatewayCore } from '../front/gateway-core.ts'
import type { GatewayOptions, UpstreamOptions } from '../options.ts'
import { compileUpstreams } from './compile-upstreams.ts'

/** What a reload changed: upstreams added, removed, reconnected, and sessions closed. */
export interface UpstreamReload {
  added: string[]
  removed: string[]
  /** Upstreams whose transport, credential or prefix changed (their sessions were closed). */
  changed: string[]
  closedSessions: number
}

/**
 * Replaces the upstreams (and their policies) without a restart, fail safe: the new list is
 * checked and compiled whole first (`ConfigurationError`: nothing changes). Then it is swapped
 * in at once, so the next call and `tools/list` see it (calls in flight finish under the old
 * one), and the per-user sessions of removed or changed upstreams are closed: a connection or
 * process opened under the old transport or credential is never used again.
 */
export async function reloadUpstreams(
  core: GatewayCore,
  options: GatewayOptions,
  upstreams: readonly UpstreamOptions[],
): Promise<UpstreamReload> {
  const compiled = compileUpstreams({ ...options, upstreams })
  const before = new Map(core.upstreams.map((u) => [u.options.name, u]))
  const after = new Map(compiled.map((u) => [u.options.name, u]))
  const removed = [...before.keys()].filter((name) => !after.has(name))
  const added = [...after.keys()].filter((name) => !before.has(name))
  const changed = [...after.values()]
    .filter((next) => {
      const previous = before.get(next.options.name)
      return previous !== undefined && connectionOf(previous) !== connectionOf(next)
    })
    .map((u) => u.options.name)
  core.upstreams = compiled
  // Learned under the old `scopes` + `stepUpScopes`: never kept past a reload.
  core.learned.clear()
  const stale = new Set([...removed, ...changed])
  const closedSessions =
    stale.size === 0 ? 0 : await core.pool.closeWhere((session) => stale.has(session.upstream.name))
  return { added, removed, changed, closedSessions }
}

/** What an upstream session depends on: reaching it, its credential, its tools' names. */
function connectionOf(upstream: { options: UpstreamOptions; prefix: string }): string {
  const { transport, credential } = upstream.options
  return JSON.stringify([transport, credential, upstream.prefix])
}
