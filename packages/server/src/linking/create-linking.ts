import { randomBytes } from 'node:crypto'
import type { Hono } from 'hono'
import { setMetaIfAbsent } from '@mandate/store'
import type { ServerContext } from '@modelcontextprotocol/server'
import type { NotificationSource } from '../notifications.ts'
import { connectRoutes } from './connect-routes.ts'
import { linkingOverview } from './lib/account-overview.ts'
import type { LinkingOverview } from './lib/account-overview.ts'
import { rememberUrlElicitation } from './lib/client-capabilities.ts'
import { completionNotifications, LINK_COMPLETED_CHANNEL } from './lib/completion-notifications.ts'
import type { LinkCompletedEvent } from './lib/completion-notifications.ts'
import { declaredAccess } from './lib/declared-access.ts'
import { resolveLinkingConfig } from './lib/linking-context.ts'
import type { LinkingContext } from './lib/linking-context.ts'
import { purgeExpiredLinks } from './lib/pending-links.ts'
import { readCredentials } from './lib/read-credentials.ts'
import { freezeAccess } from './linked-access.ts'
import type { LinkedAccess } from './linked-access.ts'
import type { LinkingOptions } from './linking-options.ts'
import type { CredentialsOptions, CredentialsOutcome, ToolLinking } from './tool-credentials.ts'

/** The account-linking flow of one MCP server: the tool side, the connect pages, the notices. */
export interface Linking {
  /** The connect pages; mount with `app.route('/connect', linking.routes)`. */
  readonly routes: Hono
  /**
   * The caller's fresh credentials for the access the running tool declared in `defineTool`
   * (`ctx` is the handler's context), or the answer to return from the tool when some must be
   * linked first (URL elicitation or a message for the user; for a 2025-11-25 client that
   * declared URL elicitation this throws the `-32042` error).
   * @throws LinkingError `ERR_LINKING_UNDECLARED_ACCESS` for a tool without a declaration, or
   *   `options.only` naming a provider or scope it did not declare.
   */
  credentials(ctx: ServerContext, options?: CredentialsOptions): Promise<CredentialsOutcome>
  /**
   * Linking bound to a fixed declaration, for handlers that are not `defineTool` tools (the
   * gateway's upstreams). Build it when the handler is configured.
   * @throws LinkingError `ERR_LINKING_CONFIG` when `access` names a provider twice.
   */
  forTool(access: readonly LinkedAccess[]): ToolLinking
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
  /**
   * `sub`'s linked accounts (relink) and pending requests (open, cancel) with ready-made forms
   * that post to the linked-accounts routes: for a host's account page on the same origin.
   */
  overview(sub: string): Promise<LinkingOverview>
  /** Calls `listener` on this instance for every completed link (all instances publish). */
  onLinkCompleted(listener: (event: LinkCompletedEvent) => void): () => void
  /** Stops the purge timer and the store subscription; does not close the store or the vault. */
  close(): void
}

const PURGE_EVERY_MS = 3_600_000

/**
 * Builds the account-linking flow over a vault and a store (migrations applied): the one entry
 * point of `@mandate/server/linking`.
 * @throws LinkingError `ERR_LINKING_CONFIG` when `baseUrl` is not an origin.
 * @example
 * ```ts
 * const linking = await createLinking({ store, vault, baseUrl, serverName: 'Notes', signedInUser })
 * app.route('/connect', linking.routes)
 * const tool = defineTool('calendar_today', { access: [{ provider: 'demo-calendar',
 *   scopes: ['calendar.read'] }] }, async (ctx) => {
 *   const outcome = await linking.credentials(ctx)
 *   if (!outcome.ok) return outcome.answer
 *   return callCalendar(outcome.credentials['demo-calendar'])
 * })
 * ```
 */
export async function createLinking(options: LinkingOptions): Promise<Linking> {
  const config = resolveLinkingConfig(options)
  const { store, vault } = options
  const secret = await setMetaIfAbsent(
    store,
    'server.linking-csrf-secret',
    randomBytes(32).toString('base64url'),
  )
  const linking: LinkingContext = Object.freeze({ store, vault, config, secret })
  const purge = setInterval(() => {
    purgeExpiredLinks(store, config.now()).catch(() => undefined)
  }, PURGE_EVERY_MS)
  purge.unref()
  const notifications = completionNotifications(store, config.now)
  return {
    routes: connectRoutes(linking),
    notifications,
    credentials: (ctx, options) => readCredentials(linking, ctx, declaredAccess(ctx), options),
    forTool(access) {
      const frozen = freezeAccess(access)
      return {
        access: frozen,
        credentials: (ctx, options) => readCredentials(linking, ctx, frozen, options),
      }
    },
    rememberClientCapabilities: (identity, capabilities) =>
      rememberUrlElicitation(store, identity, capabilities, config.now()),
    overview: (sub) => linkingOverview(linking, sub),
    onLinkCompleted: (listener) =>
      store.subscribe(LINK_COMPLETED_CHANNEL, (message) => {
        listener(message as unknown as LinkCompletedEvent)
      }),
    close() {
      clearInterval(purge)
      notifications.close()
    },
  }
}
