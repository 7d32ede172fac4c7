import type { McpIdentity } from '../identity.ts'
import { evaluateRequirement } from '../tools.ts'
import type { RequirementFailure, ToolRequirement } from '../tools.ts'
import type { Refusal } from './refusal.ts'

/** Why a caller may not go on, with the requirement that was not met. */
export interface GateDenial {
  readonly failure: RequirementFailure
  readonly requirement: ToolRequirement
}

/**
 * The one place where a caller's token is held against what the endpoint and each tool need
 * (scopes, a person, `acr`, `auth_time`): the endpoint's `requiredScopes`, every `tools/call`
 * (enforced and audited from the same decision) and `tools/list` filtering all ask it. In
 * unauthenticated test mode it allows everything.
 */
export interface ScopeGate {
  /** Whether the caller may use the endpoint at all (`requiredScopes`). */
  endpoint(identity: McpIdentity): GateDenial | undefined
  /** Whether the caller may call `tool` now. */
  tool(name: string, identity: McpIdentity): GateDenial | undefined
}

/** Builds the gate of one endpoint from its resolved requirements. */
export function createScopeGate(settings: {
  readonly requiredScopes: readonly string[]
  readonly requirements: ReadonlyMap<string, ToolRequirement>
  readonly extraToolScopes?: ((tool: string) => readonly string[] | undefined) | undefined
  readonly testMode: boolean
  readonly now: () => number
}): ScopeGate {
  // No `requiredScopes`: nothing to check on every request.
  const endpointRequirement: ToolRequirement | undefined =
    settings.requiredScopes.length === 0
      ? undefined
      : Object.freeze({ scopes: settings.requiredScopes })
  const check = (
    requirement: ToolRequirement | undefined,
    identity: McpIdentity,
  ): GateDenial | undefined => {
    if (settings.testMode || requirement === undefined) return undefined
    const failure = evaluateRequirement(requirement, identity, settings.now() / 1000)
    return failure === undefined ? undefined : { failure, requirement }
  }
  return {
    endpoint: (identity) => check(endpointRequirement, identity),
    tool: (name, identity) =>
      check(
        withExtraScopes(settings.requirements.get(name), settings.extraToolScopes?.(name)),
        identity,
      ),
  }
}

/** A tool's requirement with scopes learned at run time added (never removing any). */
function withExtraScopes(
  requirement: ToolRequirement | undefined,
  extra: readonly string[] | undefined,
): ToolRequirement | undefined {
  if (extra === undefined || extra.length === 0) return requirement
  return { ...requirement, scopes: [...new Set([...(requirement?.scopes ?? []), ...extra])] }
}

/**
 * The challenge for a denial (MCP authorization "Runtime Insufficient Scope Errors"; RFC 9470
 * §3). Scopes: all the operation needs plus those held, so that a client re-authorising with
 * exactly this set loses nothing (catalogue #94, #96).
 */
export function denialRefusal(denial: GateDenial, identity: McpIdentity): Refusal {
  const { failure, requirement } = denial
  if (failure.kind === 'person') {
    // Nothing the client can re-authorise fixes this; not `insufficient_scope` (RFC 6750 §3.1).
    const reason = 'machine_principal'
    return { status: 403, error: 'access_denied', reason, scopes: [...identity.scopes] }
  }
  if (failure.kind === 'scope') {
    const scopes = [...new Set([...identity.scopes, ...(requirement.scopes ?? [])])]
    return { status: 403, error: 'insufficient_scope', reason: failure.missing.join(' '), scopes }
  }
  return {
    status: 401,
    error: 'insufficient_user_authentication',
    reason: failure.kind,
    scopes: [...identity.scopes],
    ...(failure.acr === undefined ? {} : { acrValues: failure.acr }),
    ...(failure.maxAgeSeconds === undefined ? {} : { maxAge: failure.maxAgeSeconds }),
  }
}

/** The audit form of a denial: `machine_principal`, `insufficient_scope: <missing>`, … */
export function denialReason(failure: RequirementFailure): string {
  if (failure.kind === 'person') return 'machine_principal'
  if (failure.kind === 'scope') return `insufficient_scope: ${failure.missing.join(' ')}`
  return `insufficient_user_authentication: ${failure.kind}`
}
