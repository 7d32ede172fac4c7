import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type {
  CallToolResult,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import type { McpIdentity } from '@mandate/server'
import {
  deleteExpiredGatewayApprovals,
  insertGatewayApproval,
  spendGatewayApproval,
} from '@mandate/store'
import { GatewayError } from '../gateway-error.ts'
import {
  APPROVAL_INPUT_KEY,
  approvalAnswer,
  isModernRequest,
  notApproved,
} from './approval-answer.ts'
import type { ApprovalContext } from './approval-context.ts'
import { approvalCallHash, canonicalJson } from './call-hash.ts'

/** The call to approve, as routed: upstream name, upstream tool name, exact arguments. */
export interface CallToApprove {
  upstream: string
  tool: string
  args: Readonly<Record<string, unknown>>
  /** The rule asks for a second factor in the approver's browser sign-in. */
  mfa: boolean
}

/** Go ahead (the approval was spent now), or the answer to return (ask, or not approved). */
export type ApprovalOutcome =
  { ok: true } | { ok: false; answer: CallToolResult | InputRequiredResult }

/** At most this much of the arguments is kept for the page (the hash covers all of them). */
export const SHOWN_ARGUMENTS_MAX = 8_000

/** SHA-256 (base64url) of an approval URL id: the store keeps only this. */
export function hashApprovalId(id: string): string {
  return createHash('sha256').update(id).digest('base64url')
}

/**
 * Step of `tools/call` for an `approve` rule: spends an approval the person gave for exactly
 * this call (user, client, upstream, tool, canonical arguments), once; a denial ends the call
 * with a tool error; otherwise a new approval is asked for (URL elicitation of the page).
 * A 2025-11-25 client that declared URL elicitation gets the `-32042` error (thrown).
 */
export async function requireApproval(
  approval: ApprovalContext | undefined,
  ctx: ServerContext,
  identity: McpIdentity,
  call: CallToApprove,
): Promise<ApprovalOutcome> {
  if (approval === undefined) {
    throw new GatewayError('ERR_GATEWAY_CONFIG', 'approval pages are not configured')
  }
  const caller = { sub: identity.sub, clientId: identity.clientId }
  const callHash = approvalCallHash({ ...caller, ...call })
  const audited = { ...caller, upstream: call.upstream, tool: call.tool, callHash }
  const now = approval.config.now()
  // The person cancelled in the client: nothing runs, whatever the page says.
  if (declinedInClient(ctx)) return { ok: false, answer: notApproved(call.tool) }
  const spent = await spendGatewayApproval(approval.store, { callHash, ...caller }, now)
  if (spent === 'approved') {
    await approval.audit({ step: 'used', ...audited })
    return { ok: true }
  }
  if (spent === 'denied') return { ok: false, answer: notApproved(call.tool) }
  const id = randomBytes(32).toString('base64url')
  const elicitationId = randomUUID()
  await deleteExpiredGatewayApprovals(approval.store, now)
  await insertGatewayApproval(approval.store, {
    idHash: hashApprovalId(id),
    callHash,
    ...caller,
    upstream: call.upstream,
    tool: call.tool,
    arguments: shownArguments(call.args),
    mfa: call.mfa,
    status: 'pending',
    elicitationId,
    createdAt: now,
    expiresAt: now + approval.config.ttlMs,
  })
  await approval.audit({ step: 'requested', ...audited })
  const { baseUrl, path } = approval.config
  const url = `${baseUrl}${path}/${id}`
  const answer = await approvalAnswer(ctx, approval.store, caller, {
    url,
    elicitationId,
    upstream: call.upstream,
    tool: call.tool,
  })
  return { ok: false, answer }
}

/** A 2026-07-28 retry whose person declined or cancelled the URL elicitation in the client. */
function declinedInClient(ctx: ServerContext): boolean {
  if (!isModernRequest(ctx)) return false
  const response = ctx.mcpReq.inputResponses?.[APPROVAL_INPUT_KEY] as
    { action?: unknown } | undefined
  return response?.action === 'decline' || response?.action === 'cancel'
}

/** The arguments as the page shows them: canonical JSON, bounded (the page says so). */
function shownArguments(args: Readonly<Record<string, unknown>>): string {
  const json = JSON.stringify(JSON.parse(canonicalJson(args)), null, 2)
  return json.length <= SHOWN_ARGUMENTS_MAX ? json : json.slice(0, SHOWN_ARGUMENTS_MAX)
}

/**
 * The approval step of `tools/call`: nothing for a decision that needs no approval; otherwise
 * undefined once this exact call was approved (spent now), else the answer to return.
 */
export async function approvalGate(
  approval: ApprovalContext | undefined,
  ctx: ServerContext,
  identity: McpIdentity,
  decision: { readonly allowed: boolean; readonly approve?: { mfa: boolean } },
  call: Omit<CallToApprove, 'mfa'>,
): Promise<CallToolResult | InputRequiredResult | undefined> {
  if (decision.approve === undefined) return undefined
  const outcome = await requireApproval(approval, ctx, identity, {
    ...call,
    mfa: decision.approve.mfa,
  })
  return outcome.ok ? undefined : outcome.answer
}
