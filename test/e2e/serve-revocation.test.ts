// End to end (issue 12): a spawned `mandate serve` (SQLite) signs users in (HTTP-level agent on
// the AS's own pages, DCR public client, PKCE, resource = /mcp), then each revocation path —
// RFC 7009 of an access token and of a refresh token, refresh-token reuse, `mandate grants
// revoke` and `mandate users disable` from another process — must make the next POST /mcp with
// the revoked token a 401 invalid_token and end the token's open notification stream, while
// another user's token keeps working (positive control).
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import { runCli } from '../support/cli.ts'
import {
  authorize,
  insecure,
  redeem,
} from '../../packages/authorization-server/test/support/harness.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, PASSWORD, startServe, tempDir } from './support/mandate-e2e.ts'

const REDIRECT = 'http://127.0.0.1:9/callback'
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']

interface Session {
  clientId: string
  access: string
  refresh: string
}

void describe('mandate serve: every revocation path reaches /mcp', () => {
  const dir = tempDir('mandate-e2e-revocation-')
  const dataDir = ['--data-dir', dir.path]
  let serve: MandateProcess
  let endpoint: { issuer: string; as: oauth.AuthorizationServer }
  const streams: AbortController[] = []

  before(async () => {
    await addUsers(dataDir, USERS)
    const config = join(dir.path, 'mandate.json')
    // No grace for a rotated refresh token: its second use is a replay (RFC 9700 §4.14.2).
    writeFileSync(config, JSON.stringify({ authorizationServer: { refreshGraceSeconds: 0 } }))
    serve = await startServe([...dataDir, '--config', config])
    const issuer = serve.url.origin
    endpoint = {
      issuer,
      as: await oauth.processDiscoveryResponse(
        new URL(issuer),
        await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oauth2', ...insecure }),
      ),
    }
  })
  after(async () => {
    for (const stream of streams) stream.abort()
    await serve.stop()
    dir.remove()
  })

  const signIn = async (username: string): Promise<Session> => {
    const registered = await fetch(endpoint.as.registration_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: `revocation e2e ${username}`,
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        application_type: 'native',
        scope: 'notes:read',
      }),
    })
    assert.equal(registered.status, 201)
    const { client_id: clientId } = (await registered.json()) as { client_id: string }
    const result = await authorize(endpoint, {
      clientId,
      redirectUri: REDIRECT,
      resource: serve.mcpUrl,
      scope: 'notes:read',
      username,
      password: PASSWORD,
    })
    const tokens = await redeem(endpoint, result, undefined, REDIRECT, clientId)
    assert.ok(tokens.refresh_token)
    return { clientId, access: tokens.access_token, refresh: tokens.refresh_token }
  }

  /** POST /mcp initialize with the token: the status, and the challenge when refused. */
  const callMcp = async (token: string): Promise<{ status: number; challenge: string }> => {
    const response = await fetch(serve.mcpUrl, {
      method: 'POST',
      headers: {
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

  /** Opens the 2025-11-25 GET notification stream; `ended` settles when the server ends it. */
  const openStream = async (token: string): Promise<{ ended: Promise<void> }> => {
    const controller = new AbortController()
    streams.push(controller)
    const response = await fetch(serve.mcpUrl, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: controller.signal,
    })
    assert.equal(response.status, 200)
    const reader = response.body?.getReader()
    assert.ok(reader)
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return
    })().catch((error: unknown) => {
      // Our own abort at cleanup is not the server ending the stream.
      if (!controller.signal.aborted) throw error
    })
    return { ended }
  }

  /** Waits for the event "this token is refused" (another process's revocation is polled). */
  const refusedSoon = async (token: string): Promise<{ status: number; challenge: string }> => {
    const deadline = Date.now() + 120_000
    for (;;) {
      const answer = await callMcp(token)
      if (answer.status !== 200 || Date.now() > deadline) return answer
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  const assertRefused = (answer: { status: number; challenge: string }): void => {
    assert.equal(answer.status, 401)
    assert.match(answer.challenge, /error="invalid_token"/)
  }

  it('RFC 7009 revocation of an access token: next POST /mcp 401 invalid_token, stream closed; another user unaffected', async () => {
    const alice = await signIn('alice')
    const bob = await signIn('bob')
    assert.equal((await callMcp(alice.access)).status, 200)
    const stream = await openStream(alice.access)
    const bobStream = await openStream(bob.access)
    const revoked = await fetch(endpoint.as.revocation_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: alice.access,
        token_type_hint: 'access_token',
        client_id: alice.clientId,
      }),
    })
    assert.equal(revoked.status, 200)
    assertRefused(await callMcp(alice.access))
    await stream.ended
    // Positive control: bob's token and stream are untouched.
    assert.equal((await callMcp(bob.access)).status, 200)
    let bobEnded = false
    void bobStream.ended.then(() => (bobEnded = true))
    assert.equal((await callMcp(bob.access)).status, 200)
    assert.equal(bobEnded, false)
    assert.match(serve.output(), /"type":"token\.revoked"/)
  })

  it('RFC 7009 revocation of a refresh token ends the grant: its access token is refused', async () => {
    const carol = await signIn('carol')
    const bob = await signIn('bob')
    const revoked = await fetch(endpoint.as.revocation_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: carol.refresh,
        token_type_hint: 'refresh_token',
        client_id: carol.clientId,
      }),
    })
    assert.equal(revoked.status, 200)
    assertRefused(await callMcp(carol.access))
    assert.equal((await callMcp(bob.access)).status, 200)
  })

  it('refresh-token reuse revokes the family: the access token of the rotated refresh is refused', async () => {
    const dave = await signIn('dave')
    const bob = await signIn('bob')
    const client = { client_id: dave.clientId }
    const rotated = await oauth.processRefreshTokenResponse(
      endpoint.as,
      client,
      await oauth.refreshTokenGrantRequest(
        endpoint.as,
        client,
        oauth.None(),
        dave.refresh,
        insecure,
      ),
    )
    assert.equal((await callMcp(rotated.access_token)).status, 200)
    const stream = await openStream(rotated.access_token)
    // The old refresh token again: a replay (RFC 9700 §4.14.2).
    const replay = await oauth.refreshTokenGrantRequest(
      endpoint.as,
      client,
      oauth.None(),
      dave.refresh,
      insecure,
    )
    assert.equal(replay.status, 400)
    assertRefused(await callMcp(rotated.access_token))
    await stream.ended
    assert.equal((await callMcp(bob.access)).status, 200)
    assert.match(serve.output(), /"type":"token\.reuse_detected"/)
  })

  it('mandate grants list|revoke (another process): the grant’s access token is refused, stream closed', async () => {
    const erin = await signIn('erin')
    const bob = await signIn('bob')
    const stream = await openStream(erin.access)
    const listed = await runCli(['grants', 'list', 'erin', ...dataDir])
    assert.equal(listed.code, 0, listed.stderr)
    const grantId = listed.stdout.trim().split(/\s+/)[0] ?? ''
    assert.match(listed.stdout, new RegExp(`erin\\s+${erin.clientId}\\s+notes:read`))
    const revoked = await runCli(['grants', 'revoke', grantId, ...dataDir])
    assert.equal(revoked.code, 0, revoked.stderr)
    assertRefused(await refusedSoon(erin.access))
    await stream.ended
    assert.equal((await callMcp(bob.access)).status, 200)
    const again = await runCli(['grants', 'revoke', grantId, ...dataDir])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /no such grant/)
  })

  it('mandate users disable (another process): every token of the user is refused, refresh fails', async () => {
    const frank = await signIn('frank')
    const bob = await signIn('bob')
    const stream = await openStream(frank.access)
    const disabled = await runCli(['users', 'disable', 'frank', ...dataDir])
    assert.equal(disabled.code, 0, disabled.stderr)
    assertRefused(await refusedSoon(frank.access))
    await stream.ended
    const client = { client_id: frank.clientId }
    const refresh = await oauth.refreshTokenGrantRequest(
      endpoint.as,
      client,
      oauth.None(),
      frank.refresh,
      insecure,
    )
    assert.equal(refresh.status, 400)
    assert.equal((await callMcp(bob.access)).status, 200)
  })
})
