// End to end with real parts: oidc-provider as the AS, an SDK v2 MCP server verifying DPoP-bound
// JWT access tokens, and the SDK v2 client with @mandate/client's auth in its transport.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { AuthStatus, CredentialStore } from '@mandate/client'
import { createEncryptedFileStore, createMandateAuth } from '@mandate/client'

import type { OidcMcp } from './support/oidc-mcp.ts'
import { headlessOidcUser, startOidcMcp } from './support/oidc-mcp.ts'

let env: OidcMcp
let dir: string
before(async () => {
  env = await startOidcMcp()
  dir = await mkdtemp(join(tmpdir(), 'mandate-oidc-'))
})
after(async () => {
  await env.close()
  await rm(dir, { recursive: true, force: true })
})

async function connect(store: CredentialStore, options: { persistDpopKey?: boolean } = {}) {
  const user = headlessOidcUser('http://127.0.0.1:9/callback')
  const statuses: AuthStatus['type'][] = []
  const mandate = createMandateAuth({
    serverUrl: env.mcpUrl,
    authorizer: user,
    store,
    clientMetadata: { client_name: 'Mandate test host' },
    allowLoopback: true,
    persistDpopKey: options.persistDpopKey ?? false,
    onStatus: (s) => statuses.push(s.type),
  })
  const client = new Client({ name: 'mandate-test', version: '0' })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(env.mcpUrl), { fetch: mandate.fetch }),
  )
  return { client, user, mandate, statuses }
}

void describe('@mandate/client against oidc-provider and an SDK v2 server', () => {
  void test('OAuth with DCR, PKCE, resource and DPoP; then a tool call', async () => {
    const store = createEncryptedFileStore({ path: join(dir, 'one.enc') })
    const { client, user, mandate } = await connect(store)
    const result = await client.callTool({ name: 'read', arguments: {} })
    assert.deepEqual(result.content, [{ type: 'text', text: 'read by alice' }])
    assert.equal(user.opened.length, 1)
    const [opened] = user.opened
    assert.ok(opened)
    assert.equal(opened.searchParams.get('resource'), env.mcpUrl)
    assert.equal(opened.searchParams.get('code_challenge_method'), 'S256')
    const tokens = await mandate.provider.tokens()
    assert.equal(tokens?.token_type, 'DPoP')
    assert.ok(tokens.refresh_token)
    await client.close()
  })

  void test('step-up: 403 insufficient_scope re-authorizes with the union of scopes, never a refresh', async () => {
    const store = createEncryptedFileStore({ path: join(dir, 'two.enc') })
    const { client, user, statuses } = await connect(store)
    const grantsBefore = env.grants.length
    const result = await client.callTool({ name: 'write', arguments: {} })
    assert.deepEqual(result.content, [{ type: 'text', text: 'written' }])
    // initial sign-in; the step-up request, refused by oidc-provider with invalid_scope because the
    // DCR client was registered for the narrower scope; the same request after re-registration.
    assert.equal(user.opened.length, 3)
    const scopes = (user.opened[2]?.searchParams.get('scope') ?? '').split(' ')
    assert.ok(scopes.includes('mcp:read') && scopes.includes('mcp:write'), scopes.join(' '))
    assert.ok(statuses.includes('step-up'))
    assert.deepEqual(env.grants.slice(grantsBefore), ['authorization_code'])
    await client.close()
  })

  void test('step-up: insufficient_user_authentication re-authorizes with acr_values and max_age', async () => {
    const store = createEncryptedFileStore({ path: join(dir, 'six.enc') })
    const { client, user, statuses } = await connect(store)
    const grantsBefore = env.grants.length
    const result = await client.callTool({ name: 'admin', arguments: {} })
    assert.deepEqual(result.content, [{ type: 'text', text: 'admin done' }])
    // initial sign-in, then the MFA request (plus one more when oidc-provider refuses the wider
    // scope, `openid`, for the DCR client and it is registered again)
    const request = user.opened.at(-1)
    assert.ok(request && user.opened.length >= 2)
    assert.ok(request.searchParams.get('scope')?.split(' ').includes('openid'))
    assert.equal(request.searchParams.get('acr_values'), 'urn:mandate:mfa')
    assert.equal(request.searchParams.get('max_age'), '0')
    assert.ok(statuses.includes('step-up'))
    assert.deepEqual(
      env.grants.slice(grantsBefore),
      ['authorization_code'],
      'no refresh instead of re-authorization',
    )
    await client.close()
  })

  void test('catalogue #188: parallel calls with an expired token share one refresh; the refresh token rotates', async () => {
    const store = createEncryptedFileStore({ path: join(dir, 'three.enc') })
    const { client, mandate } = await connect(store)
    const before = await mandate.provider.tokens()
    assert.ok(before?.issuer)
    // Age the stored token so every call sees it as expired (through the provider, which writes
    // the store and its own view of it; the DPoP key, not persisted here, stays in-process).
    await mandate.provider.saveTokens({ ...before, expires_in: -5 })
    const key = new URL(env.mcpUrl)
    const saved = await store.load(`${key.origin}${key.pathname}`)
    const aged = saved?.tokens[before.issuer]?.expires_at
    assert.ok(aged !== undefined && aged < Math.floor(Date.now() / 1000))
    const refreshesBefore = env.grants.filter((g) => g === 'refresh_token').length
    const results = await Promise.all(
      Array.from({ length: 5 }, () => client.callTool({ name: 'read', arguments: {} })),
    )
    assert.equal(results.length, 5)
    assert.equal(env.grants.filter((g) => g === 'refresh_token').length - refreshesBefore, 1)
    const after = await mandate.provider.tokens()
    assert.notEqual(after?.refresh_token, before.refresh_token)
    assert.notEqual(after?.access_token, before.access_token)
    await client.close()
  })

  void test('a restarted host with a persisted DPoP key reuses its tokens; without one it signs in again', async () => {
    const path = join(dir, 'four.enc')
    const first = await connect(createEncryptedFileStore({ path }), { persistDpopKey: true })
    await first.client.close()
    const second = await connect(createEncryptedFileStore({ path }), { persistDpopKey: true })
    await second.client.callTool({ name: 'read', arguments: {} })
    assert.equal(second.user.opened.length, 0)
    await second.client.close()

    const path2 = join(dir, 'five.enc')
    const a = await connect(createEncryptedFileStore({ path: path2 }))
    await a.client.close()
    const b = await connect(createEncryptedFileStore({ path: path2 }))
    assert.equal(
      b.user.opened.length,
      1,
      'non-extractable key: the old DPoP-bound token is unusable',
    )
    await b.client.close()
  })
})
