// SEP-2352 (catalogue #148) with real parts: the MCP server's resource metadata moves from one
// oidc-provider to another. The client must notice on the next 401, discover the new
// authorization server, register and sign in there, and never present anything issued by or for
// the old one (client id, client secret, access or refresh token) to the new one.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { PreRegisteredClient } from '@mandate/client'
import { createMemoryStore, createMandateAuth } from '@mandate/client'

import type { MigratingMcp, RecordingAs } from './support/migrating-mcp.ts'
import { startMigratingMcp } from './support/migrating-mcp.ts'
import { headlessOidcUser } from './support/oidc-mcp.ts'

const REDIRECT = 'http://127.0.0.1:9/callback'

async function connect(env: MigratingMcp, preRegistered?: PreRegisteredClient) {
  const user = headlessOidcUser(REDIRECT)
  const mandate = createMandateAuth({
    serverUrl: env.mcpUrl,
    authorizer: user,
    store: createMemoryStore(),
    clientMetadata: { client_name: 'Mandate migration test' },
    allowLoopback: true,
    ...(preRegistered === undefined ? {} : { preRegistered }),
  })
  const client = new Client({ name: 'mandate-test', version: '0' })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(env.mcpUrl), { fetch: mandate.fetch }),
  )
  const whoami = async (): Promise<unknown> =>
    (await client.callTool({ name: 'whoami', arguments: {} })).content
  return { client, user, mandate, whoami }
}

/** The requests an authorization server saw that contain `secret` (never the value itself). */
function seenAt(as: RecordingAs, secret: string): number {
  return as.requests.filter((request) => request.includes(secret)).length
}

void describe('authorization server migration (SEP-2352)', () => {
  void test('re-registers at the new AS; nothing issued by the old one reaches it', async (t) => {
    const env = await startMigratingMcp()
    t.after(() => env.close())
    const { client, user, mandate, whoami } = await connect(env)
    assert.deepEqual(await whoami(), [{ type: 'text', text: `token from ${env.as1.issuer}` }])
    const old = {
      client: await mandate.provider.clientInformation({ issuer: env.as1.issuer }),
      tokens: await mandate.provider.tokens({ issuer: env.as1.issuer }),
    }
    const secrets = [
      old.client?.client_id,
      old.client?.client_secret,
      old.tokens?.access_token,
      old.tokens?.refresh_token,
    ]
    assert.ok(secrets.every((s) => typeof s === 'string' && s.length > 0))

    env.migrate()
    assert.deepEqual(await whoami(), [{ type: 'text', text: `token from ${env.as2.issuer}` }])
    // One more call: the new token is kept and presented, no third sign-in.
    assert.deepEqual(await whoami(), [{ type: 'text', text: `token from ${env.as2.issuer}` }])
    assert.deepEqual(
      user.opened.map((url) => url.origin),
      [env.as1.issuer, env.as2.issuer],
    )
    assert.equal(env.as2.registrations.length, 1)
    assert.notEqual(env.as2.registrations[0], old.client?.client_id)
    assert.deepEqual(env.as2.authorizedClients, env.as2.registrations)
    assert.equal((await mandate.provider.tokens())?.issuer, env.as2.issuer)

    for (const secret of secrets) {
      // Positive control: the recorder sees these values where they belong (issued by AS1 and
      // sent back to it)…
      assert.ok(seenAt(env.as1, secret ?? '') > 0)
      // …and AS2 never received any of them, in a URL, a header or a body.
      assert.equal(seenAt(env.as2, secret ?? ''), 0)
    }
    await client.close()
  })

  void test('a pre-registered client is not offered to the AS the resource moved to', async (t) => {
    const pre = { client_id: 'pre-registered-at-as1', client_secret: 'as1-secret-Zq7w2Vt9' }
    const env = await startMigratingMcp({ ...pre, redirect_uri: REDIRECT })
    t.after(() => env.close())
    const { client, whoami } = await connect(env, pre)
    assert.deepEqual(await whoami(), [{ type: 'text', text: `token from ${env.as1.issuer}` }])
    // Positive control: the pre-registered client is used where it was registered.
    assert.deepEqual(env.as1.authorizedClients, [pre.client_id])
    assert.deepEqual(env.as1.registrations, [])

    env.migrate()
    assert.deepEqual(await whoami(), [{ type: 'text', text: `token from ${env.as2.issuer}` }])
    assert.equal(env.as2.registrations.length, 1)
    assert.deepEqual(env.as2.authorizedClients, env.as2.registrations)
    assert.equal(seenAt(env.as2, pre.client_id), 0)
    assert.equal(seenAt(env.as2, pre.client_secret), 0)
    assert.equal(seenAt(env.as2, Buffer.from(pre.client_id).toString('base64').slice(0, 16)), 0)
    await client.close()
  })
})
