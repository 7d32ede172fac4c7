import type {
  McpServer,
  StandardSchemaWithJSON,
  ToolAnnotations,
  ToolCallback,
} from '@modelcontextprotocol/server'
import type { McpIdentity } from './identity.ts'
import { withLateScopeChallenge } from './late-scope-challenge.ts'
import { withJsonSchemaOnce } from './lib/json-schema-once.ts'
import { freezeAccess } from './linking/linked-access.ts'
import type { LinkedAccess } from './linking/linked-access.ts'
import { withDeclaredAccess } from './linking/lib/declared-access.ts'

/** What a tool needs from the caller's token. */
export interface ToolRequirement {
  /** Every one of these scopes (catalogue #102: checked by the server for this tool). */
  scopes?: readonly string[]
  /** One of these `acr` values (RFC 9470 step-up), e.g. `['mfa']`. */
  acr?: readonly string[]
  /** The user must have authenticated at most this long ago (`auth_time`), seconds. */
  maxAgeSeconds?: number
  /** A person must be behind the token: machine principals (client credentials) are refused. */
  person?: boolean
}

/** Why a caller may not use a tool now. */
export type RequirementFailure =
  | { kind: 'person' }
  | { kind: 'scope'; missing: string[] }
  | { kind: 'acr'; acr: readonly string[]; maxAgeSeconds: number | undefined }
  | { kind: 'max_age'; acr: readonly string[] | undefined; maxAgeSeconds: number }

/** Checks one requirement against a verified identity. */
export function evaluateRequirement(
  requirement: ToolRequirement | undefined,
  identity: McpIdentity,
  nowSeconds = Date.now() / 1000,
): RequirementFailure | undefined {
  if (requirement === undefined) return undefined
  // No step-up turns a machine into a person: checked first, refused outright.
  if (requirement.person === true && identity.principal !== 'person') return { kind: 'person' }
  const missing = (requirement.scopes ?? []).filter((s) => !identity.scopes.includes(s))
  if (missing.length > 0) return { kind: 'scope', missing }
  const acr = requirement.acr
  if (
    acr !== undefined &&
    acr.length > 0 &&
    (identity.acr === undefined || !acr.includes(identity.acr))
  ) {
    return { kind: 'acr', acr, maxAgeSeconds: requirement.maxAgeSeconds }
  }
  const maxAge = requirement.maxAgeSeconds
  if (
    maxAge !== undefined &&
    (identity.authTime === undefined || nowSeconds - identity.authTime > maxAge)
  ) {
    return { kind: 'max_age', acr, maxAgeSeconds: maxAge }
  }
  return undefined
}

/** A tool definition with its requirements. Build it once at module load (schemas included). */
export interface ProtectedTool {
  readonly name: string
  readonly requires: ToolRequirement | undefined
  /** The third-party access the tool declared (frozen); empty when it needs none. */
  readonly access: readonly LinkedAccess[]
  /** SEP-2663 task support: its handler answers through `runAsTask` (docs/server.md "Tasks"). */
  readonly task?: 'optional' | 'required'
  /** Registers the tool on a per-request server. */
  register(server: McpServer): void
}

/** The SDK's tool config (title, description, schemas, annotations) plus requirements. */
export interface ToolConfig<InputArgs> {
  title?: string
  description?: string
  inputSchema?: InputArgs
  outputSchema?: StandardSchemaWithJSON
  annotations?: ToolAnnotations
  _meta?: Record<string, unknown>
  requires?: ToolRequirement
  /**
   * The third-party accounts the tool reads (provider, scopes, optional or required), declared
   * once here: `linking.credentials(ctx)` reads exactly these, and the vault refuses the tool
   * any other provider or scope (catalogue #200, docs/linking.md).
   */
  access?: readonly LinkedAccess[]
  /**
   * SEP-2663 tasks: the handler answers through `runAsTask`, which creates a task when the
   * request declared the `io.modelcontextprotocol/tasks` extension. `required`: a request that
   * did not is refused with -32021 before the handler runs; `optional`: it runs synchronously.
   */
  task?: 'optional' | 'required'
}

/**
 * Declares a tool, what it needs from the caller's token (`requires`) and which third-party
 * access it reads (`access`). Handlers read the caller with `getIdentity(ctx)`. Define tools at
 * module scope: building schemas per request costs about a fifth of an MCP call
 * (docs/performance.md).
 * @throws LinkingError `ERR_LINKING_CONFIG` when `access` names a provider twice.
 */
export function defineTool<InputArgs extends StandardSchemaWithJSON | undefined = undefined>(
  name: string,
  config: ToolConfig<InputArgs>,
  handler: ToolCallback<InputArgs>,
): ProtectedTool {
  const { requires, access: declared, task, ...given } = config
  // Converted to JSON Schema once here, not on every per-request server (docs/performance.md).
  const rest =
    given.inputSchema === undefined
      ? given
      : { ...given, inputSchema: withJsonSchemaOnce(given.inputSchema) }
  const toolConfig =
    requires === undefined
      ? rest
      : { ...rest, _meta: { ...rest._meta, [REQUIREMENTS_META_KEY]: requirementsMeta(requires) } }
  const access = freezeAccess(declared ?? [])
  const checked = withLateScopeChallenge(handler)
  const run = access.length === 0 ? checked : withDeclaredAccess(access, checked)
  return {
    name,
    requires,
    access,
    ...(task === undefined ? {} : { task }),
    register(server) {
      server.registerTool(name, toolConfig as never, run as never)
    },
  }
}

/**
 * The `_meta` key under which `tools/list` publishes what a tool needs, so that a host can tell
 * before calling which tools need more scopes or a stronger sign-in (docs/server.md
 * "Discoverable step-up"). Advisory only: every call is still checked by the server.
 */
export const REQUIREMENTS_META_KEY = 'io.mandate/requires'

/** The `_meta` value for a requirement: `{ scopes, acr?, maxAgeSeconds? }`, JSON-safe. */
export function requirementsMeta(requirement: ToolRequirement): {
  scopes: string[]
  acr?: string[]
  maxAgeSeconds?: number
  person?: true
} {
  return {
    scopes: [...(requirement.scopes ?? [])],
    ...(requirement.person === true ? { person: true as const } : {}),
    ...(requirement.acr === undefined || requirement.acr.length === 0
      ? {}
      : { acr: [...requirement.acr] }),
    ...(requirement.maxAgeSeconds === undefined
      ? {}
      : { maxAgeSeconds: requirement.maxAgeSeconds }),
  }
}

/** Requirements by tool name, from definitions or a map (`ProtectOptions.tools`). */
export function toRequirementMap(
  tools: readonly ProtectedTool[] | Readonly<Record<string, ToolRequirement>> | undefined,
): Map<string, ToolRequirement> {
  const map = new Map<string, ToolRequirement>()
  if (tools === undefined) return map
  if (Array.isArray(tools)) {
    for (const tool of tools as readonly {
      name: string
      requires: ToolRequirement | undefined
    }[]) {
      if (tool.requires !== undefined) map.set(tool.name, tool.requires)
    }
    return map
  }
  for (const [name, requirement] of Object.entries(tools as Record<string, ToolRequirement>)) {
    map.set(name, requirement)
  }
  return map
}
