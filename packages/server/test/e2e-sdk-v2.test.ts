import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { createNotesServer } from '@mandate/example-notes-server'
import { startTestAuthorizationServer } from './support/oidc-as.ts'
import type { TestAuthorizationServer } from './support/oidc-as.ts'
import { TestOAuthProvider, withAuthorization } from './support/oauth-client.ts'
import { serveProtected } from './support/serve.ts'
import type { Running } from './support/serve.ts'

// The official SDK v2 client against the notes example, through the full OAuth flow at an
// independent oidc-provider: discovery, DCR, PKCE + resource, JWT access tokens, step-up.
const VARIANTS = [
  { dpop: false, modern: false },
  { dpop: false, modern: true },
  { dpop: true, modern: true },
]
for (const { dpop, modern } of VARIANTS) {
  const era = modern ? '2026-07-28' : '2025-11-25'
  void describe(`SDK v2 client, full OAuth flow, ${era}${dpop ? ', DPoP' : ''}`, () => {
    let as: TestAuthorizationServer | undefined
    let rs: Running | undefined
    let resource = ''

    before(async () => {
      // The AS reads its resource table lazily: the RS's port is known only once it listens.
      const resources: Record<string, string> = {}
      as = await startTestAuthorizationServer({ resources, scopes: ['notes:read', 'notes:write'] })
      const issuer = as.issuer
      rs = await serveProtected((origin) => {
        resource = `${origin}/mcp`
        return createNotesServer({
          resource,
          authorizationServers: [issuer],
          verifier: { jwt: { issuers: [{ issuer }] } },
          ...(dpop ? { dpop: { required: true, nonce: true } } : {}),
        })
      })
      resources[resource] = 'notes:read notes:write'
    })
    after(async () => {
      await rs?.close()
      await as?.close()
    })

    void it('connects, lists only callable tools, calls, steps up for scope and for MFA', async () => {
      assert.ok(as)
      const provider = new TestOAuthProvider({ dpop })
      let transport: StreamableHTTPClientTransport | undefined
      let client: Client | undefined
      const challenges: string[] = []
      const bodies: string[] = []
      const connect = async (): Promise<Client> => {
        await client?.close()
        transport = new StreamableHTTPClientTransport(new URL(resource), {
          authProvider: provider,
          fetch: async (url, init) => {
            if (typeof init?.body === 'string') bodies.push(init.body)
            const response = await fetch(url, init)
            if (response.status === 401 || response.status === 403) {
              challenges.push(response.headers.get('www-authenticate') ?? '')
            }
            return response
          },
        })
        client = new Client(
          { name: 'mandate-test', version: '1.0.0' },
          modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
        )
        await client.connect(transport)
        return client
      }
      const finish = (redirect: URL): Promise<void> =>
        transport?.finishAuth(redirect.searchParams) ?? Promise.resolve()
      const c = await withAuthorization(as, provider, finish, connect)
      // The first challenge asked for the read scope only, with the metadata location.
      assert.match(
        challenges[0] ?? '',
        /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
      )
      assert.match(challenges[0] ?? '', /scope="notes:read"/)

      // The protocol revision actually spoken (per-request envelope for 2026-07-28).
      assert.equal(
        bodies.some((b) => b.includes('"2026-07-28"')),
        modern,
      )
      const tools = (await c.listTools()).tools.map((t) => t.name).sort()
      assert.deepEqual(tools, ['list_notes', 'read_note', 'whoami'])

      const who = await c.callTool({ name: 'whoami', arguments: {} })
      const whoText = (who.content as { text: string }[])[0]?.text ?? ''
      const me = JSON.parse(whoText) as { sub: string; dpop: boolean; client_id: string }
      assert.equal(me.sub, 'alice')
      assert.equal(me.dpop, dpop)
      assert.equal(typeof me.client_id, 'string')

      // notes:write was not granted: 403 insufficient_scope, the client re-authorises with the
      // union of scopes and retries.
      challenges.length = 0
      const created = await withAuthorization(as, provider, finish, async () =>
        (await connect()).callTool({ name: 'create_note', arguments: { title: 't', body: 'b' } }),
      )
      assert.notEqual(created.isError, true)
      assert.match(challenges[0] ?? '', /error="insufficient_scope"/)
      assert.match(challenges[0] ?? '', /scope="notes:read notes:write"/)
      const listed = await client?.callTool({ name: 'list_notes', arguments: {} })
      assert.match((listed?.content as { text: string }[])[0]?.text ?? '', /"title":"t"/)

      // The high-risk tool needs acr=mfa: 401 insufficient_user_authentication (RFC 9470). The
      // SDK client does not act on it by itself (it refreshes, gets the same acr, and gives up),
      // so the host forgets the tokens and authorises again; the user signs in with MFA.
      challenges.length = 0
      await assert.rejects(
        async () => (await connect()).callTool({ name: 'delete_all_notes', arguments: {} }),
        {
          code: 'CLIENT_HTTP_AUTHENTICATION',
          message: /401/,
        },
      )
      assert.match(challenges[0] ?? '', /error="insufficient_user_authentication"/)
      assert.match(challenges[0] ?? '', /acr_values="mfa"/)
      assert.match(challenges[0] ?? '', /max_age="600"/)
      provider.forgetTokens()
      as.user.acr = 'mfa'
      const deleted = await withAuthorization(as, provider, finish, async () =>
        (await connect()).callTool({ name: 'delete_all_notes', arguments: {} }),
      )
      assert.match((deleted.content as { text: string }[])[0]?.text ?? '', /deleted 1 notes/)
      as.user.acr = 'pwd'
      await client?.close()
    })
  })
}
