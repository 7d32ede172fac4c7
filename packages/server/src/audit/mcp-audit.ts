import { createHash } from 'node:crypto'
import { JSONRPC_ERROR } from '@mandate/core'
import type { McpAuditEvent } from '@mandate/core'
import { jsonRpcErrorResponse } from '../http/challenges.ts'
import { denialReason } from '../http/scope-gate.ts'
import type { GateDenial } from '../http/scope-gate.ts'
import type { McpIdentity } from '../identity.ts'

/** An MCP decision as the toolkit reports it (the host adds time, address, request id). */
export type McpAuditRecord = McpAuditEvent & {
  /**
   * Milliseconds since the epoch, as the store keeps it: formatting an ISO string here and
   * parsing it back in the sink cost more than the rest of the event (bench/audit).
   */
  time: number
  issuer?: string
  scope_granted?: string
  acr?: string
  amr?: string[]
  act?: Record<string, unknown>
  /** `machine` when no person is behind the token (client credentials). */
  principal?: 'machine'
  user_agent?: string
}

/** Where the resource server sends its audit events (docs/audit.md). */
export interface McpAuditOptions {
  /**
   * Receives one event per `tools/call` (allowed or denied, with the reason) and per request
   * refused before its body was read. Awaited before the call runs: a rejection refuses the
   * request with 503 (fail closed when the audit store is unavailable, docs/audit.md).
   */
  record: (event: McpAuditRecord) => void | Promise<void>
  /** Add a SHA-256 of each call's canonical arguments (operator opt-in). Default false. */
  hashArguments?: boolean
}

/** 503 for a request that cannot be audited (nothing ran). */
export function auditUnavailableResponse(): Response {
  return jsonRpcErrorResponse(503, JSONRPC_ERROR.internalError, 'audit unavailable')
}

/** One `tools/call` of a request body, with the gate's decision on it. */
export interface ToolCallDecision {
  readonly name: string
  readonly args: unknown
  readonly denial: GateDenial | undefined
}

/**
 * Records every `tools/call` of a request (batches message by message) with the decision the
 * scope gate made for it, the same decision that is then enforced. Arguments and results are
 * never recorded; their hash only on opt-in. Returns false when the sink refused (fail closed).
 */
export async function auditToolCalls(
  audit: McpAuditOptions,
  calls: readonly ToolCallDecision[],
  context: { identity: McpIdentity; server: string; userAgent: string | null },
): Promise<boolean> {
  const { identity, userAgent } = context
  for (const call of calls) {
    // One literal per event (one hidden class, no throw-away objects): this runs on every call.
    const event: McpAuditRecord = {
      time: Date.now(),
      sub: identity.sub,
      client_id: identity.clientId,
      issuer: identity.issuer,
      scope_granted: identity.scopes.join(' '),
      type: 'mcp.tool_call',
      outcome: call.denial === undefined ? 'allowed' : 'denied',
      tool: call.name.slice(0, 200),
      server: context.server,
    }
    addIdentityDetails(event, identity, userAgent)
    if (call.denial !== undefined) event.reason = denialReason(call.denial.failure)
    if (audit.hashArguments === true) event.args_sha256 = hashArguments(call.args)
    try {
      // A synchronous sink (the store sink queues and returns) costs no promise turn.
      const pending = audit.record(event)
      if (pending !== undefined) await pending
    } catch {
      return false
    }
  }
  return true
}

/**
 * Records a request refused before any tool ran, with the reason (which the client never sees:
 * the wire carries a generic description), and returns the refusal, which stands whether or not
 * the record was taken.
 */
export async function auditRefusal(
  audit: McpAuditOptions | undefined,
  refused: { request: Request; response: Response; reason: string },
  server: string,
  identity: McpIdentity | undefined,
): Promise<Response> {
  const { request, response, reason } = refused
  if (audit === undefined) return response
  const userAgent = request.headers.get('user-agent')
  try {
    const event: McpAuditRecord = {
      time: Date.now(),
      type: 'mcp.request_refused',
      outcome: 'denied',
      server,
      status: response.status,
      reason: response.status >= 500 ? 'server_error' : reason.slice(0, 200),
    }
    if (identity !== undefined) {
      event.sub = identity.sub
      event.client_id = identity.clientId
      event.issuer = identity.issuer
      event.scope_granted = identity.scopes.join(' ')
      addIdentityDetails(event, identity, null)
    }
    if (userAgent !== null) event.user_agent = userAgent.slice(0, 500)
    await audit.record(event)
  } catch {
    // Refused anyway: nothing ran.
  }
  return response
}

/** The caller's optional attributes, set only when present. */
function addIdentityDetails(
  event: McpAuditRecord,
  identity: McpIdentity,
  userAgent: string | null,
): void {
  if (identity.acr !== undefined) event.acr = identity.acr
  if (identity.amr.length > 0) event.amr = [...identity.amr]
  if (identity.act !== undefined) event.act = { ...identity.act }
  if (identity.principal === 'machine') event.principal = 'machine'
  if (userAgent !== null) event.user_agent = userAgent.slice(0, 500)
}

/** SHA-256 (hex) of the arguments as JSON with sorted keys. */
function hashArguments(args: unknown): string {
  return createHash('sha256')
    .update(stableJson(args ?? {}))
    .digest('hex')
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value)
}
