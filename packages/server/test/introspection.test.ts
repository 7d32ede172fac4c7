import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { parseWwwAuthenticate, REVOCATION_CHANNEL } from '@mandate/core'
import type { Store } from '@mandate/store'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { createNotesServer } from '@mandate/example-notes-server'
import { createIntrospectionVerifier } from '@mandate/server'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { startTestAuthorizationServer } from './support/oidc-as.ts'
import type { TestAuthorizationServer } from './support/oidc-as.ts'
import { mcpRequest } from './support/harness.ts'
import { TestOAuthProvider, withAuthorization } from './support/oauth-client.ts'
import { serveProtected } from './support/serve.ts'
import type { Running } from './support/serve.ts'

// Opaque tokens verified by RFC 7662 introspection at a real oidc-provider; cached answers are
// dropped on every instance when a revocation event arrives through the store (catalogue #100).
void describe('introspection verifier with opaque tokens (catalogue #100, #103)', () => {
  const backend = sqliteBackend()
  let store: Store | undefined
  let as: TestAuthorizationServer | undefined
  let rs: Running | undefined
  let resource = ''
  const secret = randomBytes(24).toString('base64url')

  before(async () => {
    store = await backend.open({ migrate: true })
    const resources: Record<string, string> = {}
    as = await startTestAuthorizationServer({
      resources,
      scopes: ['notes:read', 'notes:write'],
      accessTokenFormat: 'opaque',
      clients: [
        {
          client_id: 'notes-rs',
          client_secret: secret,
          grant_types: [],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    })
    const issuer = as.issuer
    const shared = store
    rs = await serveProtected((origin) => {
      resource = `${origin}/mcp`
      return createNotesServer({
        resource,
        authorizationServers: [issuer],
        verifier: {
          introspection: {
            issuer,
            clientId: 'notes-rs',
            clientSecret: secret,
            cacheTtlSeconds: 60,
          },
        },
        store: shared,
      })
    })
    resources[resource] = 'notes:read notes:write'
  })
  after(async () => {
    await rs?.close()
    await as?.close()
    await store?.close()
    await backend.cleanup()
  })

  void it('accepts an opaque token through the full SDK flow, then refuses it after a revocation event', async () => {
    assert.ok(as && store)
    const provider = new TestOAuthProvider()
    let transport: StreamableHTTPClientTransport | undefined
    const client = await withAuthorization(
      as,
      provider,
      (redirect) => transport?.finishAuth(redirect.searchParams) ?? Promise.resolve(),
      async () => {
        transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider })
        const c = new Client({ name: 'introspection-test', version: '1' })
        await c.connect(transport)
        return c
      },
    )
    const who = await client.callTool({ name: 'whoami', arguments: {} })
    assert.match((who.content as { text: string }[])[0]?.text ?? '', /"sub":"alice"/)
    await client.close()

    const token = provider.accessToken ?? ''
    assert.ok(!token.includes('.'), 'an opaque token')
    const call = (t: string): Promise<Response> =>
      rs?.handler.fetch(
        mcpRequest({ token: t, url: resource, headers: { host: new URL(resource).host } }),
      ) ?? Promise.reject(new Error('no server'))
    const cached = await call(token)
    assert.equal(cached.status, 200)
    await cached.body?.cancel()

    // The verifier's clock is injected (issue 19): the answer says active, but for a clock a
    // day ahead the token has expired; the real clock (positive control) accepts it.
    const introspection = {
      issuer: as.issuer,
      clientId: 'notes-rs',
      clientSecret: secret,
      resource,
    }
    const dayAhead = (): number => Date.now() + 86_400_000
    assert.equal((await createIntrospectionVerifier(introspection).verify(token)).sub, 'alice')
    await assert.rejects(
      createIntrospectionVerifier({ ...introspection, now: dayAhead }).verify(token),
      { code: 'ERR_SERVER_TOKEN_REJECTED', reason: 'token inactive' },
    )

    // Revoked at the AS: the cached answer would still say active for up to 60 s; the event
    // drops it everywhere at once.
    await store.publish(REVOCATION_CHANNEL, { type: 'subject', sub: 'alice' })
    await new Promise((r) => setTimeout(r, 50))
    const revoked = await call(token)
    assert.equal(revoked.status, 401)
    assert.equal(
      parseWwwAuthenticate(revoked.headers.get('www-authenticate') ?? '')[0]?.params['error'],
      'invalid_token',
    )
  })

  void it('catalogue #100: unknown tokens are inactive; an unreachable endpoint fails closed', async () => {
    const response = await rs?.handler.fetch(
      mcpRequest({
        token: 'unknown-opaque-token',
        url: resource,
        headers: { host: new URL(resource).host },
      }),
    )
    assert.equal(response?.status, 401)
    const down = createNotesServer({
      resource,
      authorizationServers: ['http://127.0.0.1:1'],
      verifier: {
        introspection: {
          issuer: 'http://127.0.0.1:1',
          endpoint: 'http://127.0.0.1:1/introspect',
          clientId: 'x',
          clientSecret: 'y',
          timeoutMs: 500,
        },
      },
    })
    const closed = await down.fetch(
      mcpRequest({ token: 'whatever', url: resource, headers: { host: new URL(resource).host } }),
    )
    assert.equal(closed.status, 401)
    await down.close()
  })
})
