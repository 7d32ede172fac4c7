import type { FreshCredential } from '@mandate/vault'
import type {
  CallToolResult,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import type { AccessRequest, LinkedAccess } from './linked-access.ts'

/** Fresh credentials by provider id, for the providers the tool declared. */
export type LinkedCredentials = Readonly<Record<string, FreshCredential>>

/**
 * The credentials a tool asked for, or the answer to return from the tool instead: the user must
 * link an account first (URL elicitation or a message for the user), declined to, or the
 * provider is unreachable.
 */
export type CredentialsOutcome =
  | { ok: true; credentials: LinkedCredentials }
  | { ok: false; answer: CallToolResult | InputRequiredResult }

/** Per-call choices of `credentials(ctx, options)`; never wider than the declaration. */
export interface CredentialsOptions {
  /**
   * Read only these parts of the declaration now (fewer providers or scopes; an optional
   * provider named here is needed for this call). Anything not declared is refused with
   * `ERR_LINKING_UNDECLARED_ACCESS` before the vault or a link is touched. Default: every
   * declared provider, the optional ones only when already linked.
   */
  only?: readonly AccessRequest[]
  /**
   * Credentials the provider just refused (HTTP 401) in this tool call: refreshed now rather
   * than at expiry (catalogue #193); a credential that cannot be refreshed asks to link again.
   */
  rejected?: LinkedCredentials
}

/**
 * Linking bound to one fixed declaration, for handlers that are not `defineTool` tools (the
 * gateway's upstreams, declared in its configuration). Build it once, when the handler is
 * configured, never from request data.
 */
export interface ToolLinking {
  /** The frozen declaration this reader enforces. */
  readonly access: readonly LinkedAccess[]
  /** As `Linking.credentials`, for this declaration. */
  credentials(ctx: ServerContext, options?: CredentialsOptions): Promise<CredentialsOutcome>
}
