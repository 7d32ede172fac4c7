import { VaultError } from '@mandate/vault'
import type { FreshCredential, ToolVault } from '@mandate/vault'
import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server'
import { getIdentity } from '../../identity.ts'
import type { AccessRequest, LinkedAccess } from '../linked-access.ts'
import { LinkingError } from '../linking-error.ts'
import type { CredentialsOptions, CredentialsOutcome } from '../tool-credentials.ts'
import { askToLink } from './ask-to-link.ts'
import type { MissingAccess } from './ask-to-link.ts'
import { providerName } from './linking-context.ts'
import type { LinkingContext } from './linking-context.ts'

/** One provider this call reads: its declaration, the scopes wanted now, and whether needed. */
interface WantedAccess {
  entry: LinkedAccess
  scopes: readonly string[]
  /** A needed provider that is not usable asks the user to link it; an optional one is skipped. */
  needed: boolean
}

/** What the vault gave: the credentials, the providers to link, or an answer that ends the call. */
type VaultRead =
  | { credentials: Record<string, FreshCredential>; missing: MissingAccess[] }
  | { answer: CallToolResult }

const NEEDS_LINK = new Set([
  'ERR_VAULT_NOT_LINKED',
  'ERR_VAULT_NEEDS_REAUTH',
  'ERR_VAULT_INSUFFICIENT_SCOPE',
])

/**
 * The tool-call path of linking, as steps: what this call wants within the declaration
 * (`selectAccess`), the caller's credentials through a vault reader restricted to the
 * declaration (`readFromVault`), and for anything missing the answer that asks the user to
 * link it (`askToLink`). Always for the verified `sub`, never the MCP session (catalogue #181).
 * @throws LinkingError `ERR_LINKING_UNDECLARED_ACCESS` for access the tool did not declare.
 */
export async function readCredentials(
  linking: LinkingContext,
  ctx: ServerContext,
  declared: readonly LinkedAccess[] | undefined,
  options: CredentialsOptions | undefined,
): Promise<CredentialsOutcome> {
  const wanted = selectAccess(declared, options?.only)
  const { sub, clientId } = getIdentity(ctx)
  const reader = linking.vault.forTool(declared ?? [])
  const read = await readFromVault(linking, reader, sub, wanted, options?.rejected)
  if ('answer' in read) return { ok: false, answer: read.answer }
  if (read.missing.length === 0) return { ok: true, credentials: read.credentials }
  return { ok: false, answer: await askToLink(linking, ctx, { sub, clientId }, read.missing) }
}

/**
 * The part of the declaration this call reads: everything declared by default, or the named
 * subset, each provider and scope of which must be declared (catalogue #200).
 */
export function selectAccess(
  declared: readonly LinkedAccess[] | undefined,
  only: readonly AccessRequest[] | undefined,
): WantedAccess[] {
  if (declared === undefined || declared.length === 0) {
    throw new LinkingError(
      'ERR_LINKING_UNDECLARED_ACCESS',
      'this tool declared no third-party access (defineTool `access`)',
    )
  }
  if (only === undefined) {
    return declared.map((entry) => ({
      entry,
      scopes: entry.scopes ?? [],
      needed: entry.optional !== true,
    }))
  }
  return only.map((request) => {
    const entry = declared.find((candidate) => candidate.provider === request.provider)
    if (entry === undefined) {
      throw new LinkingError(
        'ERR_LINKING_UNDECLARED_ACCESS',
        `this tool did not declare access to ${request.provider}`,
      )
    }
    const undeclared = (request.scopes ?? []).filter((scope) => !entry.scopes?.includes(scope))
    if (undeclared.length > 0) {
      throw new LinkingError(
        'ERR_LINKING_UNDECLARED_ACCESS',
        `this tool did not declare scope ${undeclared.join(' ')} at ${request.provider}`,
      )
    }
    return { entry, scopes: request.scopes ?? entry.scopes ?? [], needed: true }
  })
}

/**
 * Reads each wanted provider. Not linked, needing re-authorisation or lacking a scope: to link
 * (when needed); unreachable or no longer offered: a tool error; anything else is thrown.
 */
async function readFromVault(
  linking: LinkingContext,
  reader: ToolVault,
  sub: string,
  wanted: readonly WantedAccess[],
  rejected: CredentialsOptions['rejected'],
): Promise<VaultRead> {
  const credentials: Record<string, FreshCredential> = {}
  const missing: MissingAccess[] = []
  for (const { entry, scopes, needed } of wanted) {
    const { provider, account } = entry
    const token = rejected?.[provider]?.access_token
    try {
      credentials[provider] = await reader.getFreshCredential({
        sub,
        provider,
        scopes,
        ...(account === undefined ? {} : { account }),
        ...(token === undefined ? {} : { rejectedAccessToken: token }),
      })
    } catch (error) {
      if (!(error instanceof VaultError)) throw error
      if (NEEDS_LINK.has(error.code)) {
        if (needed) missing.push({ provider, scopes })
        continue
      }
      if (error.code === 'ERR_VAULT_PROVIDER_UNAVAILABLE') {
        return { answer: unreachable(providerName(linking.vault, provider)) }
      }
      // Removed by an operator: nothing to link either, so no pending link is made.
      if (error.code === 'ERR_VAULT_PROVIDER_UNKNOWN') {
        if (needed) return { answer: notOffered(provider) }
        continue
      }
      throw error
    }
  }
  return { credentials, missing }
}

function notOffered(provider: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${provider} is not offered by this server any more.` }],
  }
}

function unreachable(name: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${name} is not reachable right now; try again later.` }],
  }
}
