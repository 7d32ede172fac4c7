import { createHash } from 'node:crypto'
import { JSONRPC_ERROR } from '@mandate/core'
import type { McpAuditEvent } from '@mandate/core'
import { jsonRpcErrorResponse } from '../http/challenges.ts'
import { denialReason } from '../http/scope-gate.ts'
import type { GateDenial } from '../http/scope-gate.ts'
import type { McpIdentity } from '../identity.ts'

/** An MCP decision as the toolkit reports it (the host adds time, address, request id). */
export type McpAuditRecord = McpAuditEvent & {
  time: string
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
  for (const call of calls) {
    const event: McpAuditRecord = {
      ...identityFields(context.identity, context.userAgent),
      type: 'mcp.tool_call',
      outcome: call.denial === undefined ? 'allowed' : 'denied',
      tool: call.name.slice(0, 200),
      server: context.server,
    }
    if (call.denial !== undefined) event.reason = denialReason(call.denial.failure)
    if (audit.hashArguments === true) event.args_sha256 = hashArguments(call.args)
    try {
      await audit.record(event)
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
    await audit.record({
      ...(identity === undefined
        ? { time: new Date().toISOString() }
        : identityFields(identity, userAgent)),
      ...(userAgent === null ? {} : { user_agent: userAgent.slice(0, 500) }),
      type: 'mcp.request_refused',
      outcome: 'denied',
      server,
      status: response.status,
      reason: response.status >= 500 ? 'server_error' : reason.slice(0, 200),
    })
  } catch {
    // Refused anyway: nothing ran.
  }
  return response
}

/** The caller's part of an event, built field by field: no spread of throw-away objects. */
function identityFields(identity: McpIdentity, userAgent: string | null): IdentityFields {
  const fields: IdentityFields = {
    time: new Date().toISOString(),
    sub: identity.sub,
    client_id: identity.clientId,
    issuer: identity.issuer,
    scope_granted: identity.scopes.join(' '),
  }
  if (identity.acr !== undefined) fields.acr = identity.acr
  if (identity.amr.length > 0) fields.amr = [...identity.amr]
  if (identity.act !== undefined) fields.act = { ...identity.act }
  if (identity.principal === 'machine') fields.principal = 'machine'
  if (userAgent !== null) fields.user_agent = userAgent.slice(0, 500)
  return fields
}

type IdentityFields = Pick<
  McpAuditRecord,
  'time' | 'issuer' | 'scope_granted' | 'acr' | 'amr' | 'act' | 'principal' | 'user_agent'
> & { sub: string; client_id: string }

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
