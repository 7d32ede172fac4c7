// End to end (issue 14): a tool call made through token exchange (RFC 8693) is attributed to
// the user *and* the agent chain. Alice authorizes an agent for the gateway's audience; the
// gateway (a confidential client) exchanges her token for one whose audience is /mcp; the
// stored `token.exchanged` and `mcp.tool_call` events carry the `act` chain, while her direct
// call (control) carries none.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import type { StoredAuditEvent } from '@mandate/store'
import { runCli } from '../support/cli.ts'
import {
  authorize,
  exchange,
  insecure,
  redeem,
} from '../../packages/authorization-server/test/support/harness.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, PASSWORD, startServe, tempDir } from './support/mandate-e2e.ts'

const REDIRECT = 'http://127.0.0.1:9/callback'
const GATEWAY_CLIENT = 'audit-gateway'

/** A port free right now (the configuration must name the audiences before the start). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

void describe('mandate serve: a call through token exchange is audited with its act chain', () => {
  const dir = tempDir('mandate-e2e-audit-exchange-')
  const args = ['--data-dir', dir.path]
  const secret = randomBytes(32).toString('base64url')
  let serve: MandateProcess
  let mcpUrl = ''
  let events: StoredAuditEvent[] = []
  let agentId = ''

  before(async () => {
    await addUsers(args, ['alice'])
    const port = await freePort()
    const origin = `http://127.0.0.1:${String(port)}`
    const gatewayUrl = `${origin}/gateway`
    mcpUrl = `${origin}/mcp`
    const config = join(dir.path, 'mandate.json')
    writeFileSync(
      config,
      JSON.stringify({
        authorizationServer: {
          resources: { [gatewayUrl]: { scopes: ['notes:read'] } },
          clients: [
            {
              client_id: GATEWAY_CLIENT,
              client_secret: secret,
              token_endpoint_auth_method: 'client_secret_basic',
              grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'],
              response_types: [],
              redirect_uris: [],
            },
          ],
          tokenExchange: {
            policies: [
              { clientId: GATEWAY_CLIENT, subjectAudiences: [gatewayUrl], audiences: [mcpUrl] },
            ],
          },
        },
      }),
      { mode: 0o600 },
    )
    serve = await startServe([...args, '--port', String(port), '--config', config])
    try {
      const issuer = serve.url.origin
      const as = await oauth.processDiscoveryResponse(
        new URL(issuer),
        await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oauth2', ...insecure }),
      )
      const endpoint = { issuer, as }
      const registered = await fetch(as.registration_endpoint ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Exchange e2e agent',
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          application_type: 'native',
          scope: 'notes:read',
        }),
      })
      agentId = ((await registered.json()) as { client_id: string }).client_id
      const login = { clientId: agentId, redirectUri: REDIRECT, scope: 'notes:read' }
      const credentials = { username: 'alice', password: PASSWORD }
      const forGateway = await redeem(
        endpoint,
        await authorize(endpoint, { ...login, ...credentials, resource: gatewayUrl }),
        undefined,
        REDIRECT,
        agentId,
      )
      const exchanged = await exchange(endpoint, GATEWAY_CLIENT, secret, {
        subject_token: forGateway.access_token,
        resource: mcpUrl,
        scope: 'notes:read',
      })
      assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body['error']))
      const onBehalf = String(exchanged.body['access_token'])
      const direct = await redeem(
        endpoint,
        await authorize(endpoint, { ...login, ...credentials, resource: mcpUrl }),
        undefined,
        REDIRECT,
        agentId,
      )
      for (const token of [onBehalf, direct.access_token]) {
        const response = await fetch(mcpUrl, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'list_notes', arguments: {} },
          }),
        })
        assert.equal(response.status, 200)
        await response.body?.cancel()
      }
    } finally {
      await serve.stop()
    }
    const exported = await runCli(['audit', 'export', '--format', 'jsonl', ...args])
    assert.equal(exported.code, 0, exported.stderr)
    events = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StoredAuditEvent)
  })
  after(() => {
    dir.remove()
  })

  it('token.exchanged and the exchanged call carry the chain; the direct call (control) none', () => {
    const exchangedEvent = events.find((e) => e.type === 'token.exchanged')
    assert.ok(exchangedEvent !== undefined)
    assert.equal(exchangedEvent.user_name, 'alice')
    assert.equal(exchangedEvent.client_id, GATEWAY_CLIENT)
    assert.match(JSON.stringify(exchangedEvent.act), /audit-gateway/)
    const calls = events.filter((e) => e.type === 'mcp.tool_call')
    assert.equal(calls.length, 2)
    const [viaGateway, direct] = calls
    assert.ok(viaGateway !== undefined && direct !== undefined)
    assert.equal(viaGateway.user_name, 'alice')
    assert.equal(viaGateway.server, mcpUrl)
    assert.match(JSON.stringify(viaGateway.act), /audit-gateway/)
    assert.equal(direct.user_name, 'alice')
    assert.equal(direct.client_id, agentId)
    assert.equal(direct.act, null)
  })
})
