import type { McpIdentity } from '@mandate/server'
import { currentRisk } from '../risk/risk-signal.ts'
import type { CompiledRule, PolicyInput } from './compile-policy.ts'

/** The outcome of a policy decision; `rule` is the index of the rule that decided (audited). */
export type Decision =
  | { allowed: true; rule: number; approve?: ApprovalRequirement }
  | { allowed: false; reason: string; rule?: number }

/** An `approve` rule decided: the call runs once the user approved it (docs/gateway.md). */
export interface ApprovalRequirement {
  /** The approver's browser sign-in must have used a second factor. */
  mfa: boolean
}

/**
 * The first rule whose tools and condition match decides (no match denies: least privilege).
 * An allow or approve rule still needs its scopes, `acr` and sign-in age; a condition that cannot be
 * evaluated denies at once rather than falling through to a later rule (fail closed).
 */
export function decide(
  rules: readonly CompiledRule[],
  identity: McpIdentity,
  input: PolicyInput,
): Decision {
  for (const compiled of rules) {
    if (!compiled.matchesTool(input.tool)) continue
    const matched = compiled.condition(input)
    if (typeof matched === 'string')
      return { allowed: false, reason: matched, rule: compiled.index }
    if (!matched) continue
    const { rule } = compiled
    if (rule.action === 'deny')
      return { allowed: false, reason: 'denied by policy', rule: compiled.index }
    const missing = (rule.scopes ?? []).filter((scope) => !identity.scopes.includes(scope))
    if (missing.length > 0) {
      return {
        allowed: false,
        reason: `missing scopes: ${missing.join(' ')}`,
        rule: compiled.index,
      }
    }
    if (rule.acr !== undefined && !rule.acr.includes(identity.acr ?? '')) {
      return { allowed: false, reason: 'acr not satisfied', rule: compiled.index }
    }
    if (
      rule.maxAgeSeconds !== undefined &&
      (identity.authTime === undefined || input.now - identity.authTime > rule.maxAgeSeconds)
    ) {
      return { allowed: false, reason: 'sign-in too old (max_age)', rule: compiled.index }
    }
    if (rule.action === 'approve') return approval(compiled.index, input.tool, rule.mfa === true)
    return { allowed: true, rule: compiled.index }
  }
  return { allowed: false, reason: 'no policy rule allows this tool' }
}

/**
 * `approve` governs tool calls only: a prompt or resource cannot be approved on a page, so an
 * `approve` rule that matches one denies it (fail closed).
 */
function approval(rule: number, tool: string, mfa: boolean): Decision {
  if (tool.startsWith('prompt:') || tool.startsWith('resource:')) {
    return { allowed: false, reason: 'approval applies to tools only', rule }
  }
  return { allowed: true, rule, approve: { mfa } }
}

/** The CEL input for a caller and a tool (claims never include the token itself). */
export function policyInput(
  identity: McpIdentity,
  upstream: string,
  tool: string,
  phase: 'list' | 'call',
  args: Record<string, unknown> = {},
): PolicyInput {
  const act = (identity.act ?? {}) as Record<string, unknown>
  return {
    claims: {
      sub: identity.sub,
      client_id: identity.clientId,
      iss: identity.issuer,
      scope: identity.scopes.join(' '),
      scopes: [...identity.scopes],
      acr: identity.acr ?? '',
      amr: [...identity.amr],
      auth_time: identity.authTime ?? 0,
    },
    client: identity.clientId,
    act: act as PolicyInput['act'],
    actors: actorChain(act),
    upstream,
    tool,
    args: toCelMap(args),
    phase,
    now: Date.now() / 1000,
    ...riskInput(),
  }
}

/** The request's risk signal, when it could be computed (else `risk` is unset: fail closed). */
function riskInput(): Pick<PolicyInput, 'risk'> {
  const risk = currentRisk()
  return risk === undefined ? {} : { risk: { ...risk } }
}

/** RFC 8693 §4.1: the current actor outermost, prior actors nested. */
function actorChain(act: Record<string, unknown>): string[] {
  const chain: string[] = []
  let current: unknown = act
  while (typeof current === 'object' && current !== null && chain.length < 16) {
    const sub = (current as { sub?: unknown }).sub
    if (typeof sub !== 'string') break
    chain.push(sub)
    current = (current as { act?: unknown }).act
  }
  return chain
}

function toCelMap(args: Record<string, unknown>): PolicyInput['args'] {
  // JSON values are CEL inputs already (numbers are doubles); drop undefined members.
  return JSON.parse(JSON.stringify(args)) as PolicyInput['args']
}
