import { ROUTES } from '@mandate/authorization-server'
import {
  calendarTodayTool,
  createNotesServer,
  githubReposTool,
  startDemoCalendarProvider,
} from '@mandate/example-notes-server'
import type { DemoCalendarProvider } from '@mandate/example-notes-server'
import { mountOnHono, storeRevocationFeed } from '@mandate/server'
import type { ProtectedMcpHandler } from '@mandate/server'
import type { Linking } from '@mandate/server/linking'
import type { ProviderDefinition } from '@mandate/vault'
import { measuredRevocationFeed } from '../observability/revocation-lag.ts'
import type { MandateConfig } from '../config/schema.ts'
import type { MandateApp } from './app.ts'
import { DEMO_SCOPES } from './authorization-server-options.ts'
import type { ComposeContext } from './compose-context.ts'

/**
 * The demo's third-party provider ("Demo Calendar", a local oidc-provider on loopback), when
 * the demo is on (`demo.enabled`); its redirect URI is this server's `/connect/callback`.
 */
export async function startDemoCalendar(
  context: ComposeContext,
): Promise<DemoCalendarProvider | undefined> {
  if (!context.runtime.config.demo.enabled) return undefined
  const calendar = await startDemoCalendarProvider({
    redirectUri: new URL('/connect/callback', context.publicUrl).href,
  })
  context.onClose(() => calendar.close())
  return calendar
}

/**
 * Mounts the demo notes MCP server (examples/notes-server) at `/mcp`, a protected resource of
 * this issuer, with the `calendar_today` tool (and `github_repos` once an operator registered
 * GitHub) that need a linked account.
 */
export function mountDemoNotes(
  context: ComposeContext,
  app: MandateApp,
  linking: Linking,
  calendar: DemoCalendarProvider,
  definitions: readonly ProviderDefinition[],
): ProtectedMcpHandler {
  const { runtime, issuer, publicUrl, listenUrl } = context
  const notes = createNotesServer({
    resource: context.demoResource,
    authorizationServers: [issuer],
    // The keys are this process's own: fetched over loopback, whatever the public URL is.
    verifier: { jwt: { issuers: [{ issuer, jwksUri: new URL(ROUTES.jwks, listenUrl).href }] } },
    store: runtime.store,
    // The store feed: pub/sub plus the revocation log, read every `revocation.pollMs` and after
    // every reconnection (docs/revocation.md); measured: revocation lag in /metrics (docs/audit.md).
    revocationFeed:
      context.metrics === undefined
        ? storeRevocationFeed(runtime.store, revocationPoll(runtime.config))
        : measuredRevocationFeed(
            storeRevocationFeed(runtime.store, revocationPoll(runtime.config)),
            context.metrics,
            'mcp',
          ),
    revocationStaleAfterMs: runtime.config.revocation.staleAfterMs,
    logger: runtime.logger.child({ component: 'demo-notes' }),
    allowedHosts: [publicUrl.host],
    // Discoverable step-up (docs/server.md): every tool is listed with its requirements, and
    // the first sign-in asks for what a session with the demo needs (read and write), since
    // SDK v1 hosts and mcp-remote refresh rather than re-authorise on a 403.
    toolsList: 'all',
    challengeScopes: [...DEMO_SCOPES],
    extraTools: [
      calendarTodayTool(linking, calendar.api),
      // A real provider, once an operator registered it (docs/linking.md).
      ...(definitions.some((d) => d.id === 'github') ? [githubReposTool(linking)] : []),
    ],
    // 2025-11-25 clients declare URL elicitation once, at initialize: remember it per user.
    onClientInitialize: (identity, capabilities) =>
      linking.rememberClientCapabilities(identity, capabilities),
    // ...and tell them on their GET stream when the browser step is done.
    notifications: { source: linking.notifications },
    audit: context.trail.mcp,
  })
  context.onClose(() => notes.close())
  mountOnHono(app, notes)
  return notes
}

/** The configured revocation-log read interval, when set (else the feed's default). */
function revocationPoll(config: MandateConfig): { pollMs?: number } {
  const { pollMs } = config.revocation
  return pollMs === undefined ? {} : { pollMs }
}
