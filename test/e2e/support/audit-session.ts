// The scripted session of the audit e2e (issue 14): registration, sign-in and consent on the
// AS's own pages (HTTP agent), code redemption, MCP tool calls (allowed and denied), a request
// with a bad token, step-up (TOTP enrolment and code, more scopes), account linking (the
// calendar tool's connect link, the Demo Calendar's consent), refresh and RFC 7009
// revocation. Returns what the assertions need.
import assert from 'node:assert/strict'
import * as oauth from 'oauth4webapi'
import {
  BrowserAgent,
  parseForm,
} from '../../../packages/authorization-server/test/support/browser-agent.ts'
import {
  authorize,
  insecure,
  redeem,
} from '../../../packages/authorization-server/test/support/harness.ts'
import { PASSWORD } from './mandate-e2e.ts'

const REDIRECT = 'http://127.0.0.1:9/callback'
export const CLIENT_NAME = 'Audit e2e agent'

export interface ScriptedSession {
  clientId: string
  /** Every secret the session saw: none may reach the audit store or the output. */
  secrets: string[]
}

/** DCR public client, sign-in and consent on the AS's pages, code redeemed: the tokens. */
export async function signIn(
  issuer: string,
  mcpUrl: string,
  username: string,
): Promise<{
  as: oauth.AuthorizationServer
  clientId: string
  tokens: oauth.TokenEndpointResponse
  code: string
  agent: BrowserAgent
}> {
  const as = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oauth2', ...insecure }),
  )
  const endpoint = { issuer, as }
  const registered = await fetch(as.registration_endpoint ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: CLIENT_NAME,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      application_type: 'native',
      scope: 'openid notes:read notes:write',
    }),
  })
  assert.equal(registered.status, 201)
  const { client_id: clientId } = (await registered.json()) as { client_id: string }
  const result = await authorize(endpoint, {
    clientId,
    redirectUri: REDIRECT,
    resource: mcpUrl,
    scope: 'notes:read',
    username,
    password: PASSWORD,
  })
  const tokens = await redeem(endpoint, result, undefined, REDIRECT, clientId)
  const code = result.callback.searchParams.get('code') ?? ''
  return { as, clientId, tokens, code, agent: result.agent }
}

/**
 * Step-up (RFC 9470): the same browser authorizes again for more scopes with `acr_values=mfa`;
 * the user enrols TOTP and enters a code, then consents to the new scope.
 */
async function stepUp(
  as: oauth.AuthorizationServer,
  mcpUrl: string,
  clientId: string,
  agent: BrowserAgent,
  username: string,
): Promise<{ tokens: oauth.TokenEndpointResponse; code: string }> {
  const endpoint = { issuer: as.issuer, as }
  const result = await authorize(endpoint, {
    agent,
    clientId,
    redirectUri: REDIRECT,
    resource: mcpUrl,
    // oidc-provider accepts acr_values only with the openid scope.
    scope: 'openid notes:read notes:write',
    extra: { acr_values: 'mfa' },
    username,
    password: PASSWORD,
  })
  assert.ok(result.enrolledSecret !== undefined, 'the user enrolled a second factor')
  const tokens = await redeem(endpoint, result, undefined, REDIRECT, clientId)
  return { tokens, code: result.callback.searchParams.get('code') ?? '' }
}

/**
 * Account linking from a tool: the calendar tool answers with a connect link (text for a client
 * without URL elicitation); the signed-in browser confirms it, consents at the Demo Calendar
 * (its own cookie jar: another origin) and comes back to /connect/callback. Returns the secrets
 * it saw (the link id, the provider's code).
 */
async function link(origin: string, agent: BrowserAgent, answer: string): Promise<string[]> {
  const id = /\/connect\/([A-Za-z0-9_-]{43})/.exec(answer)?.[1]
  assert.ok(id !== undefined, 'the tool answered with a connect link')
  const confirm = await agent.request(`${origin}/connect/${id}`)
  assert.equal(confirm.status, 200)
  const form = parseForm(await confirm.text(), '/connect/')
  const started = await agent.request(new URL(form.action, origin).href, {
    form: { ...form.fields, decision: 'allow' },
  })
  const providerUrl = started.headers.get('location') ?? ''
  assert.ok(providerUrl !== '', `the connect page sends the browser on (${String(started.status)})`)
  const callback = `${origin}/connect/callback`
  const calendar = new BrowserAgent()
  const page = await calendar.follow(new URL(providerUrl, origin).href, callback)
  const consent = parseForm(page.html ?? '', '/interaction/')
  const back = await calendar.follow(new URL(consent.action, providerUrl).href, callback, {
    form: { user: 'demo-user', decision: 'allow' },
  })
  assert.ok(back.location !== undefined, 'the Demo Calendar sends the browser back')
  const done = await agent.follow(back.location, `${origin}/never`)
  assert.match(done.html ?? '', /Connected/)
  return [id, new URL(back.location).searchParams.get('code') ?? '']
}

export async function scriptedSession(
  issuer: string,
  mcpUrl: string,
  username: string,
): Promise<ScriptedSession> {
  const { as, clientId, tokens, code, agent } = await signIn(issuer, mcpUrl, username)
  const call = (token: string, name: string, args: object) =>
    fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'user-agent': 'audit-e2e/1.0',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name, arguments: args },
      }),
    })
  const allowed = await call(tokens.access_token, 'list_notes', {})
  assert.equal(allowed.status, 200)
  await allowed.body?.cancel()
  // notes:write is not granted: denied at the HTTP layer with a 403 challenge.
  const denied = await call(tokens.access_token, 'create_note', { title: 't', body: 'b' })
  assert.equal(denied.status, 403)
  await denied.body?.cancel()
  const forged = await call('not-a-valid-token-value', 'list_notes', {})
  assert.equal(forged.status, 401)
  await forged.body?.cancel()
  // A person with a recent second factor is needed: denied, then stepped up, then allowed.
  const needsMfa = await call(tokens.access_token, 'delete_all_notes', {})
  assert.equal(needsMfa.status, 403)
  await needsMfa.body?.cancel()
  const stepped = await stepUp(as, mcpUrl, clientId, agent, username)
  const deleted = await call(stepped.tokens.access_token, 'delete_all_notes', {})
  assert.equal(deleted.status, 200)
  await deleted.body?.cancel()
  // The calendar tool needs a linked Demo Calendar account: link it, and call again.
  const asked = await call(stepped.tokens.access_token, 'calendar_today', {})
  assert.equal(asked.status, 200)
  const linked = await link(new URL(mcpUrl).origin, agent, await asked.text())
  const events = await call(stepped.tokens.access_token, 'calendar_today', {})
  assert.equal(events.status, 200)
  assert.doesNotMatch(await events.text(), /\/connect\//)

  const refresh = stepped.tokens.refresh_token ?? ''
  assert.ok(refresh !== '')
  const client = { client_id: clientId }
  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refresh, insecure),
  )
  const revoked = await oauth.revocationRequest(
    as,
    client,
    oauth.None(),
    refreshed.refresh_token ?? '',
    insecure,
  )
  assert.equal(revoked.status, 200)
  return {
    clientId,
    secrets: [
      tokens.access_token,
      tokens.refresh_token ?? '',
      stepped.tokens.access_token,
      refresh,
      refreshed.access_token,
      refreshed.refresh_token ?? '',
      code,
      stepped.code,
      ...linked,
      PASSWORD,
    ].filter((s) => s !== ''),
  }
}
