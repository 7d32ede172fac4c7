// End to end: `mandate serve` (SQLite, port 0) with users from `mandate users add`, the SDK v2
// client with @mandate/client's auth (discovery from the 401, DCR, PKCE, resource, DPoP) and a
// person in Chromium on the authorization server's pages, redirected to the client's loopback
// listener. Then refresh, MFA step-up (TOTP enrolled and entered in the browser) and the
// resource server's audience check.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { AuthStatus, CredentialStore, LoopbackAuthorizer } from '@mandate/client'
import {
  createEncryptedFileStore,
  createLoopbackAuthorizer,
  createMandateAuth,
} from '@mandate/client'
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, BrowserUser, chromiumSkip, startServe, tempDir } from './support/mandate-e2e.ts'

const OTHER_RESOURCE = 'http://127.0.0.1:9/other'

const text = (result: unknown): string => {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? []
  return content.map((part) => part.text ?? '').join('')
}

void describe(
  'mandate serve + SDK v2 client + @mandate/client + Chromium',
  { skip: chromiumSkip },
  () => {
    const dir = tempDir('mandate-e2e-v2-')
    let serve: MandateProcess
    const opened: { close(): Promise<void> }[] = []

    before(async () => {
      const dataDir = ['--data-dir', dir.path]
      await addUsers(dataDir, ['alice', 'bob', 'dave'])
      // A second resource on the same AS, for the audience check.
      const config = join(dir.path, 'mandate.json')
      writeFileSync(
        config,
        JSON.stringify({
          authorizationServer: { resources: { [OTHER_RESOURCE]: { scopes: ['other:read'] } } },
        }),
      )
      serve = await startServe([...dataDir, '--config', config])
    })
    after(async () => {
      for (const thing of opened.reverse()) await thing.close()
      await serve.stop()
      dir.remove()
    })

    /** A host: loopback authorizer whose browser is `user`, encrypted credential store, SDK v2 client. */
    const host = async (user: BrowserUser, storeName: string) => {
      await user.open()
      opened.push(user)
      const authorizations: URL[] = []
      const statuses: AuthStatus['type'][] = []
      const authorizer: LoopbackAuthorizer = await createLoopbackAuthorizer({
        present: async ({ url }) => {
          authorizations.push(url)
          await user.authorize(url, authorizer.redirectUrl)
        },
        timeoutMs: 60_000,
      })
      opened.push(authorizer)
      const store: CredentialStore = createEncryptedFileStore({ path: join(dir.path, storeName) })
      const mandate = createMandateAuth({
        serverUrl: serve.mcpUrl,
        authorizer,
        store,
        clientMetadata: { client_name: 'Mandate e2e host' },
        allowLoopback: true,
        onStatus: (status) => statuses.push(status.type),
      })
      const client = new Client({ name: 'mandate-e2e', version: '0' })
      await client.connect(
        new StreamableHTTPClientTransport(new URL(serve.mcpUrl), { fetch: mandate.fetch }),
      )
      opened.push(client)
      return { client, mandate, store, authorizations, statuses }
    }

    const claims = async (mandate: { provider: { tokens(): Promise<unknown> } }) => {
      const tokens = (await mandate.provider.tokens()) as { access_token: string } | undefined
      assert.ok(tokens)
      return decodeJwt(tokens.access_token)
    }

    it('signs in through the browser, lists and calls tools, refreshes, DPoP-bound JWT with acr/amr/auth_time', async () => {
      const alice = new BrowserUser('alice')
      const { client, mandate, store, authorizations, statuses } = await host(alice, 'alice.enc')
      assert.equal(authorizations.length, 1)
      const [request] = authorizations
      assert.ok(request)
      assert.equal(request.origin, serve.url.origin)
      assert.equal(request.searchParams.get('resource'), serve.mcpUrl)
      assert.equal(request.searchParams.get('code_challenge_method'), 'S256')
      assert.deepEqual(alice.pages[0], ['Sign in', 'Allow access?'])

      // The 401 names what a session with the demo needs, read and write (docs/server.md
      // "Discoverable step-up"); tools/list shows every tool, with requirements in _meta.
      const listedTools = async () => (await client.listTools()).tools.map((t) => t.name).sort()
      const everyTool = [
        'calendar_today',
        'create_note',
        'delete_all_notes',
        'list_notes',
        'read_note',
        'whoami',
      ]
      assert.deepEqual(await listedTools(), everyTool)
      const first = (request.searchParams.get('scope') ?? '').split(' ')
      assert.ok(first.includes('notes:read') && first.includes('notes:write'), first.join(' '))
      assert.equal((await claims(mandate))['scope'], 'notes:read notes:write')

      // The write tool needs no step-up (the scope step-up itself: packages/server/test).
      const created = JSON.parse(
        text(
          await client.callTool({ name: 'create_note', arguments: { title: 'e2e', body: 'hi' } }),
        ),
      ) as { id: string; title: string }
      assert.equal(created.title, 'e2e')
      assert.ok(!statuses.includes('step-up'))
      assert.equal(authorizations.length, 1)
      // delete_all_notes needs acr=mfa, which this token lacks: listed still, refused on call.
      assert.deepEqual(await listedTools(), everyTool)
      const listed: unknown = JSON.parse(
        text(await client.callTool({ name: 'list_notes', arguments: {} })),
      )
      assert.deepEqual(listed, [{ id: created.id, title: 'e2e' }])
      const who = JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} }))) as {
        dpop: boolean
        acr: string
      }
      assert.equal(who.dpop, true)
      assert.equal(who.acr, 'pwd')

      // What the resource server relies on (RFC 9068 + RFC 9470 claims).
      const token = await claims(mandate)
      assert.equal(token['aud'], serve.mcpUrl)
      assert.equal(token['iss'], serve.url.origin)
      assert.equal(token['acr'], 'pwd')
      assert.deepEqual(token['amr'], ['pwd'])
      assert.equal(typeof token['auth_time'], 'number')
      assert.ok((token['cnf'] as { jkt?: string } | undefined)?.jkt)

      // Age the stored access token (through the provider, which writes the store and its own
      // view of it): the next call refreshes (no browser), with a new token.
      const current = await mandate.provider.tokens()
      assert.ok(current?.issuer)
      const oldAccess = current.access_token
      await mandate.provider.saveTokens({ ...current, expires_in: -5 })
      const key = `${new URL(serve.mcpUrl).origin}${new URL(serve.mcpUrl).pathname}`
      const aged = (await store.load(key))?.tokens[current.issuer]?.expires_at
      assert.ok(aged !== undefined && aged < Math.floor(Date.now() / 1000))
      const again: unknown = JSON.parse(
        text(await client.callTool({ name: 'list_notes', arguments: {} })),
      )
      assert.deepEqual(again, listed)
      assert.ok(statuses.includes('refreshing'))
      assert.equal(authorizations.length, 1, 'refreshed without the browser')
      const refreshed = (await mandate.provider.tokens()) as { access_token: string } | undefined
      assert.ok(refreshed !== undefined && refreshed.access_token !== oldAccess)
    })

    it('MFA step-up: 403 insufficient_user_authentication, TOTP enrolled and entered in the browser, retried call succeeds', async () => {
      const bob = new BrowserUser('bob')
      const { client, mandate, authorizations, statuses } = await host(bob, 'bob.enc')
      await client.callTool({ name: 'create_note', arguments: { title: 'one', body: '' } })
      const result = await client.callTool({ name: 'delete_all_notes', arguments: {} })
      assert.equal(text(result), 'deleted 1 notes')
      assert.ok(statuses.includes('step-up'))
      const stepUp = authorizations.at(-1)
      assert.ok(stepUp)
      assert.equal(stepUp.searchParams.get('acr_values'), 'mfa')
      // Initial sign-in (read and write, so create_note needs no step-up), MFA step-up: no
      // refused request between (the DCR client may ask for `openid`, which acr_values needs).
      assert.equal(authorizations.length, 2)
      assert.ok(stepUp.searchParams.get('scope')?.split(' ').includes('openid'))
      assert.deepEqual(bob.pages[1], [
        'Sign in',
        'Set up a second factor',
        'Save your recovery codes',
        'Allow access?',
      ])
      assert.ok(bob.pages.flat().includes('Set up a second factor'))
      const token = await claims(mandate)
      assert.equal(token['acr'], 'mfa')
      assert.ok((token['amr'] as string[]).includes('otp'))

      // A later sign-in of the enrolled user asks for the code (entered from the shared secret).
      const again = new BrowserUser('bob')
      again.totpSecret = bob.totpSecret
      const second = await host(again, 'bob-2.enc')
      assert.ok(again.pages.flat().includes('Enter your code'))
      assert.equal((await claims(second.mandate))['acr'], 'mfa')
    })

    it('audience: a token for another resource of the same AS is refused by /mcp', async () => {
      const dave = new BrowserUser('dave')
      await dave.open()
      opened.push(dave)
      const authorizer = await createLoopbackAuthorizer({
        present: ({ url }) => dave.authorize(url, authorizer.redirectUrl),
        timeoutMs: 60_000,
      })
      opened.push(authorizer)
      const meta = (await (
        await fetch(new URL('/.well-known/oauth-authorization-server', serve.url))
      ).json()) as {
        registration_endpoint: string
        authorization_endpoint: string
        token_endpoint: string
      }
      const registered = (await (
        await fetch(meta.registration_endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            client_name: 'e2e other-resource client',
            redirect_uris: [authorizer.redirectUrl],
            token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code'],
            response_types: ['code'],
            application_type: 'native',
            scope: 'other:read',
          }),
        })
      ).json()) as { client_id: string }
      assert.ok(registered.client_id)
      const verifier = oauth.generateRandomCodeVerifier()
      const state = oauth.generateRandomState()
      const url = new URL(meta.authorization_endpoint)
      url.search = new URLSearchParams({
        client_id: registered.client_id,
        redirect_uri: authorizer.redirectUrl,
        response_type: 'code',
        scope: 'other:read',
        resource: OTHER_RESOURCE,
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).toString()
      const callback = await authorizer.authorize({
        url,
        state,
        reason: 'initial',
        serverUrl: OTHER_RESOURCE,
      })
      const tokenResponse = await fetch(meta.token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: callback.get('code') ?? '',
          redirect_uri: authorizer.redirectUrl,
          code_verifier: verifier,
          client_id: registered.client_id,
          resource: OTHER_RESOURCE,
        }),
      })
      assert.equal(tokenResponse.status, 200)
      const { access_token: other } = (await tokenResponse.json()) as { access_token: string }
      const otherClaims = decodeJwt(other)
      assert.equal(otherClaims['aud'], OTHER_RESOURCE)
      assert.equal(otherClaims['scope'], 'other:read')

      // catalogue: audience — same issuer, same keys, valid signature, but not for /mcp.
      const refused = await fetch(serve.mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${other}`,
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
      assert.equal(refused.status, 401)
      assert.match(refused.headers.get('www-authenticate') ?? '', /invalid_token/)
    })
  },
)
