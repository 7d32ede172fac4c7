// Starts a real authorization server (createAuthorizationServer on a real store) on
// 127.0.0.1:0 and drives flows with oauth4webapi, the third-party client library.
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as oauth from 'oauth4webapi'
import type { AuditEvent } from '@mandate/core'
import type { Store } from '@mandate/store'
import { createAuthorizationServer } from '../../src/index.ts'
import type { AuthorizationServer, AuthorizationServerOptions } from '../../src/index.ts'
import { BrowserAgent, checkboxValues, parseForm } from './browser-agent.ts'
import { serverOptions } from './server-options.ts'
import { currentStep, totpAt } from '../../src/mfa/totp.ts'

export {
  RESOURCE,
  DOWNSTREAM,
  GATEWAY,
  REDIRECT_URI,
  PUBLIC_CLIENT,
  GATEWAY_CLIENT,
  GATEWAY_SECRET,
  ORCHESTRATOR_CLIENT,
  ORCHESTRATOR_SECRET,
  RS_CLIENT,
  RS_SECRET,
  PASSWORD,
  TEST_KEYS,
} from './server-options.ts'
import { RESOURCE, REDIRECT_URI, PUBLIC_CLIENT, PASSWORD } from './server-options.ts'

/** What the client side needs to talk to a server (one instance or a load balancer). */
export type Endpoint = Pick<Harness, 'issuer' | 'as'>

export interface Harness {
  server: AuthorizationServer
  issuer: string
  as: oauth.AuthorizationServer
  audit: AuditEvent[]
  close(): Promise<void>
}

export async function startServer(
  store: Store,
  overrides:
    | Partial<AuthorizationServerOptions>
    | ((issuer: string) => Partial<AuthorizationServerOptions>) = {},
): Promise<Harness> {
  const slot: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {}
  // Idle connections outlive a test's pauses: with Node's 5 s default, a browser context reusing
  // one just as the server closes it gets a reset on a POST (as `mandate serve` avoids).
  const http = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    if (slot.handler === undefined) res.writeHead(503).end()
    else slot.handler(req, res)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  const issuer = `http://127.0.0.1:${String(port)}`
  const audit: AuditEvent[] = []
  const server = await createAuthorizationServer({
    ...serverOptions(issuer, store),
    audit: (event) => {
      audit.push(event)
    },
    refreshGraceSeconds: 0,
    ...(typeof overrides === 'function' ? overrides(issuer) : overrides),
  })
  slot.handler = server.handler
  if ((await server.users.findByUsername('alice')) === undefined) {
    await server.users.add({ username: 'alice', password: PASSWORD, displayName: 'Alice' })
  }
  const issuerUrl = new URL(issuer)
  const as = await oauth.processDiscoveryResponse(
    issuerUrl,
    await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', ...insecure }),
  )
  return {
    server,
    issuer,
    as,
    audit,
    close: async () => {
      await server.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) =>
        http.close(() => {
          resolve()
        }),
      )
    },
  }
}

// eslint-disable-next-line @typescript-eslint/no-deprecated -- the test server is plain http on loopback
export const insecure = { [oauth.allowInsecureRequests]: true } as const

export interface AuthorizeOptions {
  clientId?: string
  redirectUri?: string
  resource?: string
  scope?: string
  extra?: Record<string, string>
  /** Scopes to untick on the consent page. */
  untick?: string[]
  agent?: BrowserAgent
  username?: string
  password?: string
  /** Called on the TOTP page; returns the code to enter. */
  totp?: () => string
}

/** Runs the front channel (login, consent) and returns the callback URL and PKCE verifier. */
export async function authorize(
  h: Endpoint,
  options: AuthorizeOptions = {},
): Promise<{
  callback: URL
  verifier: string
  state: string
  agent: BrowserAgent
  enrolledSecret: string | undefined
  recoveryCodes: string[]
  /** The Cache-Control header of the page that showed the recovery codes. */
  recoveryCodesCacheControl: string | null
  /** Whether the consent page was shown. */
  consentShown: boolean
}> {
  const agent = options.agent ?? new BrowserAgent()
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const redirectUri = options.redirectUri ?? REDIRECT_URI
  const url = new URL(h.as.authorization_endpoint ?? '')
  url.searchParams.set('client_id', options.clientId ?? PUBLIC_CLIENT)
  url.searchParams.set('redirect_uri', redirectUri)
  url.searchParams.set('response_type', 'code')
  // An empty `scope` or `resource` option leaves the parameter out.
  const scope = options.scope ?? 'tools:read tools:write'
  if (scope !== '') url.searchParams.set('scope', scope)
  const resource = options.resource ?? RESOURCE
  if (resource !== '') url.searchParams.set('resource', resource)
  url.searchParams.set('state', state)
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
  url.searchParams.set('code_challenge_method', 'S256')
  for (const [key, value] of Object.entries(options.extra ?? {})) url.searchParams.set(key, value)

  let enrolledSecret: string | undefined
  let recoveryCodes: string[] = []
  let recoveryCodesCacheControl: string | null = null
  let consentShown = false
  let passwordSent = false
  let step = await agent.follow(url.href, redirectUri)
  for (let i = 0; i < 6 && step.location === undefined; i++) {
    const html = step.html ?? ''
    if (html.includes('/login"')) {
      // The sign-in page again: the password was refused. Sending it again would only count
      // more failures towards the lockout (5 free), which later sign-ins of the name would meet.
      if (passwordSent) break
      passwordSent = true
      const form = parseForm(html, '/login')
      step = await agent.follow(new URL(form.action, h.issuer).href, redirectUri, {
        form: {
          ...form.fields,
          username: options.username ?? 'alice',
          password: options.password ?? PASSWORD,
        },
      })
    } else if (html.includes('/totp"')) {
      const form = parseForm(html, '/totp')
      if (options.totp === undefined) throw new Error('totp requested')
      step = await agent.follow(new URL(form.action, h.issuer).href, redirectUri, {
        form: { ...form.fields, code: options.totp() },
      })
    } else if (html.includes('/enrol"')) {
      const form = parseForm(html, '/enrol')
      const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(html)?.[1] ?? ''
      enrolledSecret = secret
      step = await agent.follow(new URL(form.action, h.issuer).href, redirectUri, {
        form: { ...form.fields, code: totpAt(secret, currentStep()) },
      })
    } else if (html.includes('/continue"')) {
      recoveryCodesCacheControl = agent.lastHeaders.get('cache-control')
      recoveryCodes = [...html.matchAll(/<li><code>([0-9a-f]+)<\/code><\/li>/g)].map(
        (m) => m[1] ?? '',
      )
      const form = parseForm(html, '/continue')
      step = await agent.follow(new URL(form.action, h.issuer).href, redirectUri, {
        form: form.fields,
      })
    } else if (html.includes('/consent"')) {
      consentShown = true
      const form = parseForm(html, '/consent')
      const scopes = checkboxValues(html).filter(
        (value) => !(options.untick ?? []).some((s) => value.endsWith(` ${s}`)),
      )
      step = await agent.follow(new URL(form.action, h.issuer).href, redirectUri, {
        form: { ...form.fields, scope: scopes },
      })
    } else {
      throw new Error(`unexpected page (status ${String(agent.lastStatus)}): ${html.slice(0, 600)}`)
    }
  }
  if (step.location === undefined) throw new Error('authorization did not complete')
  return {
    callback: new URL(step.location),
    verifier,
    state,
    agent,
    enrolledSecret,
    recoveryCodes,
    recoveryCodesCacheControl,
    consentShown,
  }
}

export function publicClient(clientId = PUBLIC_CLIENT): oauth.Client {
  return { client_id: clientId }
}

/** Redeems the code with DPoP (when given) and returns the token response. */
export async function redeem(
  h: Endpoint,
  result: { callback: URL; verifier: string; state: string },
  dpop?: oauth.DPoPHandle,
  redirectUri = REDIRECT_URI,
  clientId = PUBLIC_CLIENT,
): Promise<oauth.TokenEndpointResponse> {
  const client = publicClient(clientId)
  const params = oauth.validateAuthResponse(h.as, client, result.callback, result.state)
  const call = () =>
    oauth.authorizationCodeGrantRequest(
      h.as,
      client,
      oauth.None(),
      params,
      redirectUri,
      result.verifier,
      {
        ...insecure,
        ...(dpop === undefined ? {} : { DPoP: dpop }),
      },
    )
  let response = await call()
  try {
    return await oauth.processAuthorizationCodeResponse(h.as, client, response)
  } catch (error) {
    if (dpop !== undefined && oauth.isDPoPNonceError(error)) {
      response = await call()
      return oauth.processAuthorizationCodeResponse(h.as, client, response)
    }
    throw error
  }
}

/** Form POST to the token endpoint, for negative tests that oauth4webapi would refuse to send. */
export async function tokenRequest(
  h: Endpoint,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(h.as.token_endpoint ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`
}

/** RFC 8693 exchange by a confidential client; returns status and body. */
export async function exchange(
  h: Endpoint,
  clientId: string,
  secret: string,
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return tokenRequest(
    h,
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      ...params,
    },
    { authorization: basic(clientId, secret) },
  )
}
