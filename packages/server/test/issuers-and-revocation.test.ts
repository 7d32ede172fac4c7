import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { REVOCATION_CHANNEL } from '@mandate/core'
import { createNodeHandler } from '@mandate/server'
import type { ProtectedMcpHandler } from '@mandate/server'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { mcpRequest, protectNotes, RESOURCE, toolText } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

void describe('several trusted issuers, revocation events, node:http adapter', () => {
  const backend = sqliteBackend()
  let store: Store
  let one: TestIssuer
  let two: TestIssuer
  let rs: ProtectedMcpHandler
  before(async () => {
    store = await backend.open({ migrate: true })
    one = await startTestIssuer()
    two = await startTestIssuer()
    rs = protectNotes(one, {
      authorizationServers: [one.issuer, two.issuer],
      verifier: { jwt: { issuers: [{ issuer: one.issuer }, { issuer: two.issuer }] } },
      store,
    })
  })
  after(async () => {
    await rs.close()
    await one.close()
    await two.close()
    await store.close()
    await backend.cleanup()
  })

  void it('accepts tokens of each trusted issuer, never one issuer’s key for another’s tokens', async () => {
    for (const iss of [one, two]) {
      const response = await rs.fetch(mcpRequest({ token: await iss.token(RESOURCE) }))
      assert.equal(response.status, 200)
      await response.body?.cancel()
    }
    // Signed by issuer two's key but claiming issuer one: verified against one's JWKS only.
    const crossed = await rs.fetch(
      mcpRequest({ token: await two.token(RESOURCE, { iss: one.issuer }) }),
    )
    assert.equal(crossed.status, 401)
  })

  void it('a revocation event stops a still-valid JWT on every instance at once', async () => {
    const other = protectNotes(one, {
      authorizationServers: [one.issuer],
      verifier: { jwt: { issuers: [{ issuer: one.issuer }] } },
      store,
    })
    const byJti = await one.token(RESOURCE, { jti: 'revoke-me' })
    const bySubject = await one.token(RESOURCE, { sub: 'carol' })
    for (const handler of [rs, other]) {
      for (const token of [byJti, bySubject]) {
        const response = await handler.fetch(mcpRequest({ token }))
        assert.equal(response.status, 200)
        await response.body?.cancel()
      }
    }
    await store.publish(REVOCATION_CHANNEL, { type: 'token', jti: 'revoke-me' })
    await store.publish(REVOCATION_CHANNEL, { type: 'subject', sub: 'carol' })
    await new Promise((r) => setTimeout(r, 50))
    for (const handler of [rs, other]) {
      for (const token of [byJti, bySubject]) {
        const response = await handler.fetch(mcpRequest({ token }))
        assert.equal(response.status, 401)
      }
    }
    // Carol signs in again after the revocation: her new token works.
    await new Promise((r) => setTimeout(r, 1100))
    const fresh = await rs.fetch(mcpRequest({ token: await one.token(RESOURCE, { sub: 'carol' }) }))
    assert.match(await toolText(fresh), /"sub":"carol"/)
    await other.close()
  })

  void it('the node:http adapter ignores req.auth set by other middleware', async () => {
    const listener = createNodeHandler(rs)
    const server = createServer((req, res) => {
      Object.assign(req, {
        auth: { token: 'forged', clientId: 'evil', scopes: ['notes:write'], expiresAt: 9e9 },
      })
      listener(req, res)
    }).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as AddressInfo).port
    // node:http, not fetch: the Host header must name the resource (fetch cannot set it).
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/mcp',
          method: 'POST',
          headers: {
            host: '127.0.0.1:4100',
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode)
        },
      )
      req.on('error', reject)
      req.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'whoami', arguments: {} },
        }),
      )
    })
    server.closeAllConnections()
    server.close()
    assert.equal(status, 401)
  })
})
