import { createHash } from 'node:crypto'

/** The call an approval is for: who calls, through which client, what exactly. */
export interface ApprovedCall {
  sub: string
  clientId: string
  upstream: string
  tool: string
  args: Readonly<Record<string, unknown>>
}

/**
 * SHA-256 (hex) of the call, arguments in canonical JSON (object keys sorted at every level,
 * as RFC 8785 does for member order): the approval is bound to this hash, so a retry with other
 * arguments, another user or another client does not match it.
 */
export function approvalCallHash(call: ApprovedCall): string {
  const canonical = canonicalJson([
    'mandate.gateway.approval.v1',
    call.sub,
    call.clientId,
    call.upstream,
    call.tool,
    call.args,
  ])
  return createHash('sha256').update(canonical).digest('hex')
}

/** JSON with object keys sorted, `undefined` members dropped (as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (typeof value !== 'object' || value === null) return value
  const sorted: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    sorted[key] = sortKeys((value as Record<string, unknown>)[key])
  }
  return sorted
}
