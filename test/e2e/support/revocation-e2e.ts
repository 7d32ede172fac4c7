// Shared by the revocation end-to-end tests and bench/revocation (issue 12): a resource server
// in its own process fed by the AS's HTTP revocation feed, sign-in of a DCR public client
// through the AS's own pages, and POST /mcp probes.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as oauth from 'oauth4webapi'
import { createServer, request } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import {
  authorize,
  insecure,
  redeem,
} from '../../../packages/authorization-server/test/support/harness.ts'
import type { BrowserAgent } from '../../../packages/authorization-server/test/support/browser-agent.ts'
import { PASSWORD } from './mandate-e2e.ts'

export const REDIRECT = 'http://127.0.0.1:9/callback'
export const FEED_CLIENT = 'rs-feed'
export const FEED_SECRET = 'rs-feed-secret-0123456789abcdef0123456789'
const SCRIPT = fileURLToPath(new URL('./feed-resource-server.ts', import.meta.url))

export interface Endpoint {
  issuer: string
  as: oauth.AuthorizationServer
}

export async function discover(issuer: string): Promise<Endpoint> {
  const url = new URL(issuer)
  return {
    issuer,
    as: await oauth.processDiscoveryResponse(
      url,
      await oauth.discoveryRequest(url, { algorithm: 'oauth2', ...insecure }),
    ),
  }
}

/** The `authorizationServer` configuration that makes `resource` a feed reader's resource. */
export function feedConfig(resource: string): Record<string, unknown> {
  return {
    refreshGraceSeconds: 0,
    resources: {
      [resource]: { scopes: ['notes:read'], introspectionClients: [FEED_CLIENT] },
    },
    clients: [
      {
        client_id: FEED_CLIENT,
        client_secret: FEED_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
  }
}

export interface FeedResourceServer {
  /** The MCP endpoint (the resource). */
  url: string
  child: ChildProcess
  output(): string
  /** Builds the handler with these settings and waits until it is ready. */
  configure(settings: {
    issuer: string
    staleAfterMs: number
    waitSeconds: number
    url?: string
  }): Promise<void>
  /** Resolves once its output matches `pattern` (an event, not a timer). */
  printed(pattern: RegExp, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/** Spawns test/e2e/support/feed-resource-server.ts; resolves once it listens. */
export async function startFeedResourceServer(): Promise<FeedResourceServer> {
  const child = spawn(process.execPath, ['--conditions=@mandate/source', SCRIPT], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  const changed = new Set<() => void>()
  const onData = (chunk: string): void => {
    output += chunk
    for (const check of changed) check()
  }
  child.stdout.setEncoding('utf8').on('data', onData)
  child.stderr.setEncoding('utf8').on('data', onData)
  const printed = (pattern: RegExp, timeoutMs = 120_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        changed.delete(check)
        reject(new Error(`resource server did not print ${String(pattern)}`))
      }, timeoutMs)
      function check(): void {
        if (!pattern.test(output)) return
        clearTimeout(timer)
        changed.delete(check)
        resolve()
      }
      changed.add(check)
      check()
    })
  await printed(/listening (\S+)\n/)
  const url = /listening (\S+)\n/.exec(output)?.[1] ?? ''
  return {
    url,
    child,
    output: () => output,
    printed,
    configure: async (settings) => {
      child.stdin.write(
        `${JSON.stringify({ ...settings, clientId: FEED_CLIENT, clientSecret: FEED_SECRET })}\n`,
      )
      await printed(/^ready$/m)
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

export interface Session {
  clientId: string
  access: string
  refresh: string
}

/** Registers a DCR public (native) client for notes:read; returns its client_id. */
export async function registerClient(endpoint: Endpoint, name: string): Promise<string> {
  const registered = await fetch(endpoint.as.registration_endpoint ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: `revocation e2e ${name}`,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      application_type: 'native',
      scope: 'notes:read',
    }),
  })
  assert.equal(registered.status, 201)
  return ((await registered.json()) as { client_id: string }).client_id
}

/** Signs `username` in for `resource` with `clientId` (authorization code + PKCE). */
export async function tokensFor(
  endpoint: Endpoint,
  clientId: string,
  username: string,
  resource: string,
  agent?: BrowserAgent,
  password: string = PASSWORD,
): Promise<Session> {
  const result = await authorize(endpoint, {
    clientId,
    redirectUri: REDIRECT,
    resource,
    scope: 'notes:read',
    username,
    password,
    ...(agent === undefined ? {} : { agent }),
  })
  const tokens = await redeem(endpoint, result, undefined, REDIRECT, clientId)
  assert.ok(tokens.refresh_token)
  return { clientId, access: tokens.access_token, refresh: tokens.refresh_token }
}

/** Registers a DCR public client and signs `username` in for `resource` (scope notes:read). */
export async function signIn(
  endpoint: Endpoint,
  username: string,
  resource: string,
): Promise<Session> {
  return tokensFor(endpoint, await registerClient(endpoint, username), username, resource)
}

/** A front for two instances: the feed and requests marked `x-to: b` to B, the rest to A. */
export function frontProxy(pick: () => { a: URL; b: URL }): Server {
  const toB = (req: IncomingMessage): boolean =>
    req.headers['x-to'] === 'b' || (req.url ?? '').startsWith('/oauth/revocations')
  return createServer((req, res) => {
    const target = toB(req) ? pick().b : pick().a
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
}

export interface McpAnswer {
  status: number
  challenge: string
}

/** POST initialize to `mcpUrl` with the token: the status, and the challenge when refused. */
export async function callMcp(
  mcpUrl: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<McpAnswer> {
  const response = await fetch(mcpUrl, {
    method: 'POST',
    headers: {
      ...headers,
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'e2e', version: '0' },
      },
    }),
  })
  await response.body?.cancel()
  return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '' }
}

/**
 * Calls until the answer is no longer 200 (the event "refused"), or `timeoutMs` passed (a guard
 * against a hang, not a speed assertion).
 */
export async function untilRefused(
  mcpUrl: string,
  token: string,
  timeoutMs = 120_000,
): Promise<McpAnswer> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const answer = await callMcp(mcpUrl, token)
    if (answer.status !== 200 || Date.now() > deadline) return answer
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Calls until the answer is 200 (the resource server has caught up with the feed). */
export async function untilAccepted(
  mcpUrl: string,
  token: string,
  timeoutMs = 60_000,
): Promise<McpAnswer> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const answer = await callMcp(mcpUrl, token)
    if (answer.status === 200 || Date.now() > deadline) return answer
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * A refusal as the client sees it: 401 `invalid_token` with the generic description only. Why
 * (revoked, revocation state unknown) is in the server's audit trail: see {@link untilAudited}.
 */
export function assertRefused(answer: McpAnswer): void {
  assert.equal(answer.status, 401)
  assert.match(answer.challenge, /error="invalid_token", error_description="invalid access token"/)
}

/**
 * Waits until a server's output (where its audit events are printed as JSON log lines) holds
 * `count` refused requests with this `reason`, e.g. `invalid_token: token revoked`. The timeout
 * only guards a hang.
 */
export async function untilAudited(
  server: { output(): string },
  reason: string,
  count: number,
  timeoutMs = 120_000,
): Promise<void> {
  const needle = `"reason":${JSON.stringify(reason)}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = server.output().split(needle).length - 1
    if (found >= count) return
    assert.ok(Date.now() < deadline, `${String(found)} of ${String(count)} refusals "${reason}"`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** RFC 7009 revocation of an access token by its (public) client. */
export async function revokeAccess(endpoint: Endpoint, session: Session): Promise<void> {
  const revoked = await fetch(endpoint.as.revocation_endpoint ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token: session.access,
      token_type_hint: 'access_token',
      client_id: session.clientId,
    }),
  })
  assert.equal(revoked.status, 200)
  await revoked.body?.cancel()
}
