import type { ParseArgsOptionsConfig } from 'node:util'
import { ConfigurationError } from '@mandate/core'
import type { AuditQuery } from '@mandate/store'

/** The flags of `mandate audit`: filters (user, client, tool, type, outcome, time), output. */
export const AUDIT_FLAGS: ParseArgsOptionsConfig = {
  user: { type: 'string' },
  client: { type: 'string' },
  tool: { type: 'string' },
  type: { type: 'string' },
  outcome: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  follow: { type: 'boolean' },
  format: { type: 'string' },
  output: { type: 'string' },
  stream: { type: 'string' },
  'older-than-days': { type: 'string' },
}

/** The filters of `mandate audit list|tail|export`, from the parsed flags. */
export function auditQuery(values: Record<string, string | boolean | undefined>): AuditQuery {
  const text = (name: string): string | undefined =>
    typeof values[name] === 'string' ? values[name] : undefined
  const time = (name: string): number | undefined => {
    const value = text(name)
    if (value === undefined) return undefined
    const ms = Date.parse(value)
    if (Number.isNaN(ms)) throw new ConfigurationError(name, `--${name} must be an ISO 8601 time`)
    return ms
  }
  const limit = text('limit')
  const query: AuditQuery = {}
  for (const key of ['user', 'client', 'tool', 'type', 'outcome'] as const) {
    const value = text(key)
    if (value !== undefined) query[key] = value
  }
  const since = time('since')
  const until = time('until')
  if (since !== undefined) query.since = since
  if (until !== undefined) query.until = until
  if (limit !== undefined) {
    const n = Number(limit)
    if (!Number.isInteger(n) || n < 1) throw new ConfigurationError('limit', '--limit must be ≥ 1')
    query.limit = n
  }
  return query
}
