import { randomBytes } from 'node:crypto'
import type { Hono } from 'hono'
import { silentLogger } from '@mandate/core'
import type { Logger } from '@mandate/core'
import { setMetaIfAbsent } from '@mandate/store'
import type { Store } from '@mandate/store'
import { VaultError } from '@mandate/vault'
import type { FreshCredential, Vault } from '@mandate/vault'
import type {
  CallToolResult,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import { getIdentity } from '../identity.ts'
import type { NotificationSource } from '../notifications.ts'
import { connectRoutes } from './connect-routes.ts'
import { declaredUrlElicitation, rememberUrlElicitation } from './lib/client-capabilities.ts'
import {
  isModernRequest,
  linkRequiredAnswer,
  linkingClientKind,
} from './lib/link-required-answer.ts'
import type { LinkToOpen } from './lib/link-required-answer.ts'
import { completionNotifications, LINK_COMPLETED_CHANNEL } from './lib/completion-notifications.ts'
import type { LinkCompletedEvent } from './lib/completion-notifications.ts'
import { mintLinkRequestState, readLinkRequestState } from './lib/link-request-state.ts'
import type { LinkRound } from './lib/link-request-state.ts'
import {
  createPendingLink,
  findPendingLink,
  hashLinkId,
  purgeExpiredLinks,
} from './lib/pending-links.ts'
import type { LinkedAccess } from './linked-access.ts'
import { LinkingError } from './linking-error.ts'
import type { SignedInUserResolver } from './signed-in-user.ts'

export interface LinkingOptions {
  store: Store
  vault: Vault
  /** The server's public origin (`https://notes.example.com`); connect URLs live under it. */
  baseUrl: string
  /** Shown on the connect page: which server asks. */
  serverName: string
  /** Who is signed in in the browser (the authorization server's session). */
  signedInUser: SignedInUserResolver
  /** Where to send a browser that is not signed in (it must come back to `returnTo`). */
  signInUrl?: (returnTo: string) => string
  /** How long a connect link stays valid. Default 10 minutes. */
  linkTtlMs?: number
  logger?: Logger
  now?: () => number
}

/** Fresh credentials by provider id, for the providers the tool declared. */
export type LinkedCredentials = Readonly<Record<string, FreshCredential>>

export type CredentialsOutcome =
  | { ok: true; credentials: LinkedCredentials }
  | { ok: false; answer: CallToolResult | InputRequiredResult }

export interface CredentialsOptions {
  /**
   * Credentials the provider just refused (HTTP 401) in this tool call: refreshed now rather
   * than at expiry (catalogue #193); a credential that cannot be refreshed asks to link again.
   */
  rejected?: LinkedCredentials
}

export interface Linking {
  /** The connect pages; mount with `app.route('/connect', linking.routes)`. */
  readonly routes: Hono
  /**
   * The caller's fresh credentials for every declared provider, or the answer to return from the
   * tool when some must be linked first (URL elicitation or a message for the user; for a
   * 2025-11-25 client that declared URL elicitation this throws the `-32042` error).
   */
  credentials(
    ctx: ServerContext,
    access: readonly LinkedAccess[],
    options?: CredentialsOptions,
  ): Promise<CredentialsOutcome>
  /**
   * Records what a 2025-era client declared at `initialize` (call it from the HTTP layer with the
   * verified identity and `params.capabilities`): stateless serving forgets the handshake, and
   * URL elicitation must only go to clients that declared it.
   */
  rememberClientCapabilities(
    identity: { sub: string; clientId: string },
    capabilities: unknown,
  ): Promise<void>
  /**
   * `notifications/elicitation/complete` for 2025-11-25 clients: pass as
   * `notifications: { source: linking.notifications }` to the protected handler.
   */
  readonly notifications: NotificationSource
  /** Calls `listener` on this instance for every completed link (all instances publish). */
  onLinkCompleted(listener: (event: LinkCompletedEvent) => void): () => void
  close(): void
}

const NEEDS_LINK = new Set([
  'ERR_VAULT_NOT_LINKED',
  'ERR_VAULT_NEEDS_REAUTH',
  'ERR_VAULT_INSUFFICIENT_SCOPE',
])

/** Builds the account-linking flow over a vault and a store (migrations applied). */
export async function createLinking(options: LinkingOptions): Promise<Linking> {
  const base = URL.parse(options.baseUrl)
  if (base === null || base.origin !== options.baseUrl.replace(/\/$/, '')) {
    throw new LinkingError('ERR_LINKING_CONFIG', 'baseUrl must be an origin (scheme://host[:port])')
  }
  const baseUrl = base.origin
  const { store, vault } = options
  const logger = (options.logger ?? silentLogger).child({ component: 'linking' })
  const now = options.now ?? Date.now
  const ttlMs = options.linkTtlMs ?? 600_000
  const secret = await setMetaIfAbsent(
    store,
    'server.linking-csrf-secret',
    randomBytes(32).toString('base64url'),
  )
  const routes = connectRoutes({
    store,
    vault,
    baseUrl,
    serverName: options.serverName,
    signedInUser: options.signedInUser,
    signInUrl: options.signInUrl,
    secret,
    logger,
    now,
    completed: async (link) => {
      logger.info('account linked', { provider: link.provider })
      const event: LinkCompletedEvent = {
        sub: link.sub,
        ...(link.clientId === undefined ? {} : { client_id: link.clientId }),
        provider: link.provider,
        elicitation_id: link.elicitationId,
      }
      await store.publish(LINK_COMPLETED_CHANNEL, { ...event })
    },
  })
  const purge = setInterval(() => {
    purgeExpiredLinks(store, now()).catch(() => undefined)
  }, 3_600_000)
  purge.unref()
  const notifications = completionNotifications(store, now)
  const displayName = (provider: string): string =>
    vault.catalog.get(provider)?.display_name ?? provider
  /** The previous round's link for `provider`, if the user can still finish it. */
  const stillOpen = async (
    previous: LinkRound | undefined,
    provider: string,
    sub: string,
  ): Promise<{ id: string; elicitationId: string } | undefined> => {
    const id = previous?.[provider]
    if (id === undefined) return undefined
    const link = await findPendingLink(store, { idHash: hashLinkId(id) })
    const open =
      link !== undefined &&
      link.sub === sub &&
      link.provider === provider &&
      link.status !== 'done' &&
      link.expiresAt > now()
    return open ? { id, elicitationId: link.elicitationId } : undefined
  }
  const declinedAnswer = (entry: LinkedAccess): CallToolResult => ({
    isError: true,
    content: [
      {
        type: 'text',
        text: `The user chose not to connect ${displayName(entry.provider)}; this tool did not run.`,
      },
    ],
  })

  return {
    routes,
    notifications,
    async credentials(ctx, access, options) {
      // Bound to the verified user, never to the MCP session (the link must survive it).
      const { sub, clientId } = getIdentity(ctx)
      const reader = vault.forTool(access)
      const credentials: Record<string, FreshCredential> = {}
      const missing: LinkedAccess[] = []
      for (const entry of access) {
        try {
          credentials[entry.provider] = await reader.getFreshCredential({
            sub,
            provider: entry.provider,
            ...(entry.account === undefined ? {} : { account: entry.account }),
            ...rejectedToken(options?.rejected?.[entry.provider]),
          })
        } catch (error) {
          if (error instanceof VaultError && NEEDS_LINK.has(error.code)) {
            missing.push(entry)
            continue
          }
          if (error instanceof VaultError && error.code === 'ERR_VAULT_PROVIDER_UNAVAILABLE') {
            const name = vault.catalog.get(entry.provider)?.display_name ?? entry.provider
            return {
              ok: false,
              answer: {
                isError: true,
                content: [
                  { type: 'text', text: `${name} is not reachable right now; try again later.` },
                ],
              },
            }
          }
          throw error
        }
      }
      if (missing.length === 0) return { ok: true, credentials }
      const modern = isModernRequest(ctx)
      // A 2026-07-28 retry names the links of the previous round (MRTR requestState).
      const previous = modern
        ? readLinkRequestState(secret, ctx.mcpReq.requestState(), sub, now())
        : undefined
      if (previous !== undefined) {
        const declined = missing.find((entry) => wasDeclined(ctx, entry.provider))
        if (declined !== undefined) return { ok: false, answer: declinedAnswer(declined) }
      }
      const links: LinkToOpen[] = []
      const round: Record<string, string> = {}
      for (const entry of missing) {
        const { id, elicitationId } =
          (await stillOpen(previous, entry.provider, sub)) ??
          (await createPendingLink(store, {
            sub,
            clientId,
            provider: entry.provider,
            scopes: entry.scopes ?? [],
            ttlMs,
            now: now(),
          }))
        round[entry.provider] = id
        links.push({
          provider: entry.provider,
          displayName: displayName(entry.provider),
          url: `${baseUrl}/connect/${id}`,
          elicitationId,
        })
      }
      const legacyUrl = !modern && (await declaredUrlElicitation(store, { sub, clientId }))
      const requestState = modern
        ? mintLinkRequestState(secret, { sub, links: round, exp: now() + ttlMs })
        : undefined
      return {
        ok: false,
        answer: linkRequiredAnswer(linkingClientKind(ctx, legacyUrl), links, requestState),
      }
    },
    rememberClientCapabilities(identity, capabilities) {
      return rememberUrlElicitation(store, identity, capabilities, now())
    },
    onLinkCompleted(listener) {
      return store.subscribe(LINK_COMPLETED_CHANNEL, (message) => {
        listener(message as unknown as LinkCompletedEvent)
      })
    },
    close() {
      clearInterval(purge)
      notifications.close()
    },
  }
}

/** Whether the user declined or cancelled the URL elicitation for `provider` (MRTR retry). */
function wasDeclined(ctx: ServerContext, provider: string): boolean {
  const response = ctx.mcpReq.inputResponses?.[`link:${provider}`] as
    { action?: unknown } | undefined
  return response?.action === 'decline' || response?.action === 'cancel'
}

function rejectedToken(rejected: FreshCredential | undefined): { rejectedAccessToken?: string } {
  const token = rejected?.access_token
  return token === undefined ? {} : { rejectedAccessToken: token }
}
