import type {
  McpServer,
  StandardSchemaWithJSON,
  ToolAnnotations,
  ToolCallback,
} from '@modelcontextprotocol/server'
import type { McpIdentity } from './identity.ts'

/** What a tool needs from the caller's token. */
export interface ToolRequirement {
  /** Every one of these scopes (catalogue #102: checked by the server for this tool). */
  scopes?: readonly string[]
  /** One of these `acr` values (RFC 9470 step-up), e.g. `['mfa']`. */
  acr?: readonly string[]
  /** The user must have authenticated at most this long ago (`auth_time`), seconds. */
  maxAgeSeconds?: number
}

/** Why a caller may not use a tool now. */
export type RequirementFailure =
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
}

/**
 * Declares a tool and what it needs. Handlers read the caller with `getIdentity(ctx)`.
 * Define tools at module scope: building schemas per request costs about a fifth of an MCP
 * call (docs/performance.md).
 */
export function defineTool<InputArgs extends StandardSchemaWithJSON | undefined = undefined>(
  name: string,
  config: ToolConfig<InputArgs>,
  handler: ToolCallback<InputArgs>,
): ProtectedTool {
  const { requires, ...toolConfig } = config
  return {
    name,
    requires,
    register(server) {
      server.registerTool(name, toolConfig as never, handler as never)
    },
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
