// One origin serving what `mandate serve` serves for account linking: a protected MCP endpoint
// with linked-account tools, the connect pages, and a browser session at a real oidc-provider
// (users sign in by typing their name: a test login, but the session and its `sub` are real).
// The third-party providers ("Demo Calendar", "Demo Mail") are separate oidc-provider instances
// that approve by themselves. Tokens for the MCP client come from the test issuer.
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Hono } from 'hono'
import type { Context } from 'hono'
import { getRequestListener } from '@hono/node-server'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Store } from '@mandate/store'
import { createProviderCatalog, keyFileProvider, openVault } from '@mandate/vault'
import type { Vault } from '@mandate/vault'
import { McpServer } from '@modelcontextprotocol/server'
import type { AuthInfo } from '@modelcontextprotocol/server'
import { toAuthInfo } from '../../src/identity.ts'
import { defineTool, getIdentity, mountOnHono } from '../../src/index.ts'
import type { ProtectedMcpHandler, ProtectedTool } from '../../src/index.ts'
import { createLinking, oidcSessionResolver } from '../../src/linking/index.ts'
import type { Linking, OidcSessionSource } from '../../src/linking/index.ts'
import { calendarTodayTool } from '../../../../examples/notes-server/src/calendar-tool.ts'
import { startDemoCalendarProvider } from '../../../../examples/notes-server/src/demo-calendar/start-demo-calendar.ts'
import type { DemoCalendarProvider } from '../../../../examples/notes-server/src/demo-calendar/start-demo-calendar.ts'
import { startTestProvider } from '../../../vault/test/support/test-provider.ts'
import type { TestProvider } from '../../../vault/test/support/test-provider.ts'
import { startTestIssuer } from './test-issuer.ts'
import type { TestIssuer } from './test-issuer.ts'

type Env = { Bindings: HttpBindings }

interface SessionProvider extends OidcSessionSource {
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void> | void
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ uid: string; params: Record<string, string> }>
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: unknown,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>
  Grant: new (init: { accountId: string; clientId: string }) => {
    addOIDCScope(scope: string): void
    save(): Promise<string>
  }
}
const OIDC_PROVIDER: string = 'oidc-provider'

export interface LinkingEnv {
  origin: string
  resource: string
  issuer: TestIssuer
  calendar: TestProvider
  mail: TestProvider
  /** The shipped Demo Calendar, when started with `demo: true`. */
  demo: DemoCalendarProvider | undefined
  vault: Vault
  linking: Linking
  handler: ProtectedMcpHandler
  /** The handler-side `authInfo` of a verified `sub` (to call `linking.credentials` directly). */
  authInfo(sub: string): AuthInfo
  /** Access token for `sub` at this MCP server. */
  token(sub: string): Promise<string>
  close(): Promise<void>
}

export interface LinkingEnvOptions {
  linkTtlMs?: number
  /** Use the shipped "Demo Calendar" provider and the notes example's `calendar_today` tool. */
  demo?: boolean
  /** More tools on the MCP endpoint, built with this environment's linking. */
  tools?: (linking: Linking) => readonly ProtectedTool[]
}

export async function startLinkingEnv(
  store: Store,
  keyFile: string,
  options: LinkingEnvOptions = {},
): Promise<LinkingEnv> {
  // Longer than a test's pauses: a reused idle connection must not meet a closing one (a reset).
  const server: Server = createServer({ keepAliveTimeout: 65_000 })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const origin = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  const resource = `${origin}/mcp`
  const redirectUri = `${origin}/connect/callback`
  const issuer = await startTestIssuer()
  const calendar = await startTestProvider({ redirectUri, accountId: 'cal-user' })
  const mail = await startTestProvider({ redirectUri, accountId: 'mail-user' })
  const demo = options.demo === true ? await startDemoCalendarProvider({ redirectUri }) : undefined
  const catalog = createProviderCatalog({
    presets: [],
    providers: [
      demo?.definition ??
        calendar.definition({ id: 'demo-calendar', display_name: 'Demo Calendar' }),
      mail.definition({ id: 'demo-mail', display_name: 'Demo Mail' }),
      {
        id: 'weather',
        kind: 'api_key',
        display_name: 'Weather API',
        key_pattern: '^wk_[A-Za-z0-9]{16,}$',
      },
    ],
  })
  const vault = await openVault({
    store,
    keys: keyFileProvider(keyFile),
    catalog,
    backgroundRewrap: false,
  })
  await vault.setProviderClient(
    'demo-calendar',
    demo?.client ?? { client_id: calendar.clientId, client_secret: calendar.clientSecret },
  )
  await vault.setProviderClient('demo-mail', {
    client_id: mail.clientId,
    client_secret: mail.clientSecret,
  })

  // The browser session: a real oidc-provider at the root of this origin.
  const { default: Provider } = (await import(OIDC_PROVIDER)) as {
    default: new (issuer: string, config: unknown) => SessionProvider
  }
  const session = new Provider(origin, {
    clients: [
      {
        client_id: 'session',
        client_secret: randomBytes(16).toString('hex'),
        redirect_uris: [`${origin}/signed-in`],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => false },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    // Cookies ignore ports: the providers on 127.0.0.1 use the default names, so this one
    // must not (real deployments have different hosts).
    cookies: {
      keys: [randomBytes(16).toString('hex')],
      names: { session: 'rs_session', interaction: 'rs_interaction', resume: 'rs_resume' },
    },
  })
  const sessionCallback = session.callback()

  const linking = await createLinking({
    store,
    vault,
    baseUrl: origin,
    serverName: 'Notes (test)',
    signedInUser: oidcSessionResolver(() => session),
    signInUrl: (returnTo) => `${origin}/signin?return_to=${encodeURIComponent(returnTo)}`,
    ...(options.linkTtlMs === undefined ? {} : { linkTtlMs: options.linkTtlMs }),
  })

  const calendarTool = defineTool(
    'calendar_today',
    {
      description: "Today's events in the user's Demo Calendar",
      access: [{ provider: 'demo-calendar', scopes: ['calendar.read'] }],
    },
    async (ctx) => {
      const outcome = await linking.credentials(ctx)
      if (!outcome.ok) return outcome.answer
      const token = outcome.credentials['demo-calendar']?.access_token ?? ''
      return {
        content: [
          {
            type: 'text',
            text: `calendar of ${getIdentity(ctx).sub}: ${String(calendar.issued.has(token))}`,
          },
        ],
      }
    },
  )
  const bothTool = defineTool(
    'calendar_and_mail',
    {
      description: 'Needs two providers',
      access: [
        { provider: 'demo-calendar', scopes: ['calendar.read'] },
        { provider: 'demo-mail', scopes: ['calendar.read'] },
      ],
    },
    async (ctx) => {
      const outcome = await linking.credentials(ctx)
      if (!outcome.ok) return outcome.answer
      return {
        content: [
          { type: 'text', text: `both: ${Object.keys(outcome.credentials).sort().join(',')}` },
        ],
      }
    },
  )
  const tools = [
    demo === undefined ? calendarTool : calendarTodayTool(linking, demo.api),
    bothTool,
    ...(options.tools?.(linking) ?? []),
  ]

  const app = new Hono<Env>()
  const handler = mountOnHono(app as unknown as Hono, {
    resource,
    authorizationServers: [issuer.issuer],
    verifier: { jwt: { issuers: [{ issuer: issuer.issuer }] } },
    tools,
    onClientInitialize: (identity, capabilities) =>
      linking.rememberClientCapabilities(identity, capabilities),
    notifications: { source: linking.notifications },
    factory: (ctx) => {
      const mcp = new McpServer({ name: 'linking-test', version: '0.1.0' })
      ctx.registerTools(mcp, tools)
      return mcp
    },
  })
  app.route('/connect', linking.routes as unknown as Hono<Env>)
  // Test-only sign-in: an authorization request whose `state` is where to return.
  app.get('/signin', (c) => {
    const url = new URL(`${origin}/auth`)
    url.search = new URLSearchParams({
      client_id: 'session',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${origin}/signed-in`,
      state: c.req.query('return_to') ?? '/',
    }).toString()
    return c.redirect(url.href, 303)
  })
  app.get('/signed-in', (c) => c.redirect(c.req.query('state') ?? '/', 303))
  app.get('/interaction/:uid', async (c) => {
    await session.interactionDetails(c.env.incoming, c.env.outgoing)
    return c.html(
      `<!doctype html><title>Sign in</title><h1>Sign in</h1><form method="post" action="/interaction/${c.req.param('uid')}"><label>User <input name="user"></label><button type="submit">Sign in</button></form>`,
    )
  })
  app.post('/interaction/:uid', async (c) => {
    const details = await session.interactionDetails(c.env.incoming, c.env.outgoing)
    const form = await c.req.parseBody()
    const user = typeof form['user'] === 'string' ? form['user'] : ''
    const grant = new session.Grant({ accountId: user, clientId: 'session' })
    grant.addOIDCScope(details.params['scope'] ?? 'openid')
    const grantId = await grant.save()
    return forward(c, () =>
      session.interactionFinished(
        c.env.incoming,
        c.env.outgoing,
        { login: { accountId: user }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      ),
    )
  })
  app.all('*', (c) => forward(c, () => sessionCallback(c.env.incoming, c.env.outgoing)))
  const listener = getRequestListener(app.fetch)
  server.on('request', (req, res) => {
    void listener(req, res)
  })

  return {
    origin,
    resource,
    issuer,
    calendar,
    mail,
    demo,
    vault,
    linking,
    handler,
    token: (sub) => issuer.token(resource, { sub }),
    authInfo: (sub) =>
      toAuthInfo(
        {
          sub,
          clientId: 'client-1',
          issuer: issuer.issuer,
          scopes: [],
          acr: undefined,
          amr: [],
          authTime: undefined,
          act: undefined,
          jkt: undefined,
          jti: undefined,
          expiresAt: Math.floor(Date.now() / 1000) + 300,
        },
        new URL(resource),
        `${origin}/.well-known/oauth-protected-resource/mcp`,
      ),
    async close() {
      linking.close()
      server.closeAllConnections()
      server.close()
      await handler.close()
      await vault.close()
      await demo?.close()
      await calendar.close()
      await mail.close()
      await issuer.close()
    },
  }
}

function forward(c: Context<Env>, run: () => Promise<void> | void): Promise<Response> {
  return new Promise((resolve) => {
    c.env.outgoing.once('close', () => {
      resolve(RESPONSE_ALREADY_SENT)
    })
    void run()
  })
}
