import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js'
import { createNotesServer } from '@mandate/example-notes-server'
import { startTestAuthorizationServer } from './support/oidc-as.ts'
import type { TestAuthorizationServer } from './support/oidc-as.ts'
import { TestOAuthProvider, withAuthorization } from './support/oauth-client.ts'
import { serveProtected } from './support/serve.ts'
import type { Running } from './support/serve.ts'

// The v1 SDK client (`@modelcontextprotocol/sdk`, still used by many hosts) speaks the 2025-era
// protocol: the same server answers it through the SDK's legacy stateless path, behind the same
// verification, over plain node:http this time.
void describe('SDK v1 client, full OAuth flow (2025-11-25, node:http)', () => {
  let as: TestAuthorizationServer | undefined
  let rs: Running | undefined
  let resource = ''

  before(async () => {
    const resources: Record<string, string> = {}
    as = await startTestAuthorizationServer({ resources, scopes: ['notes:read', 'notes:write'] })
    const issuer = as.issuer
    rs = await serveProtected((origin) => {
      resource = `${origin}/mcp`
      return createNotesServer({
        resource,
        authorizationServers: [issuer],
        verifier: { jwt: { issuers: [{ issuer }] } },
      })
    }, 'node')
    resources[resource] = 'notes:read notes:write'
  })
  after(async () => {
    await rs?.close()
    await as?.close()
  })

  void it('connects, lists, calls and steps up on 403', async () => {
    assert.ok(as)
    const provider = new TestOAuthProvider()
    let transport: StreamableHTTPClientTransport | undefined
    let client: Client | undefined
    const connect = async (): Promise<Client> => {
      await client?.close()
      transport = new StreamableHTTPClientTransport(new URL(resource), {
        authProvider: provider as unknown as OAuthClientProvider,
      })
      client = new Client({ name: 'mandate-test-v1', version: '1.0.0' })
      await client.connect(transport)
      return client
    }
    const finish = (redirect: URL): Promise<void> =>
      transport?.finishAuth(redirect.searchParams.get('code') ?? '') ?? Promise.resolve()
    const c = await withAuthorization(as, provider, finish, connect)
    assert.equal(c.getServerVersion()?.name, 'mandate-notes')
    const tools = (await c.listTools()).tools.map((t) => t.name).sort()
    assert.deepEqual(tools, ['list_notes', 'read_note', 'whoami'])
    const created = await withAuthorization(as, provider, finish, async () =>
      (await connect()).callTool({ name: 'create_note', arguments: { title: 'v1', body: 'b' } }),
    )
    assert.notEqual(created.isError, true)
    const listed = await client?.callTool({ name: 'list_notes', arguments: {} })
    assert.match((listed?.content as { text: string }[])[0]?.text ?? '', /"title":"v1"/)
    await client?.close()
  })
})
