// End to end (issue 12): operator revocation commands next to a live `mandate serve` (SQLite,
// another process), as an operator runs them. `mandate clients enable` re-enables a disabled
// client (its earlier tokens stay refused, new sign-ins work), and `mandate users delete`
// removes the user's linked accounts: revoked at the provider (a local RFC 7009 endpoint),
// deleted from the vault, announced on the revocation log, pending links dropped — another
// user's untouched. Each change is in the audit trail (`mandate audit list`).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { insertPendingLink, openStore } from '@mandate/store'
import type { Store } from '@mandate/store'
import { createProviderCatalog, keyFileProvider, openVault } from '@mandate/vault'
import type { ProviderDefinition, Vault } from '@mandate/vault'
import { runCli } from '../support/cli.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'
import type { Endpoint } from './support/revocation-e2e.ts'
import {
  assertRefused,
  callMcp,
  discover,
  signIn,
  tokensFor,
  untilRefused,
} from './support/revocation-e2e.ts'

const PROVIDER_SECRET = 'stub-provider-client-secret-0123456789'

void describe('mandate clients enable and users delete (linked accounts) next to mandate serve', () => {
  const dir = tempDir('mandate-e2e-revocation-cli-')
  const dataDir = ['--data-dir', dir.path]
  let serve: MandateProcess
  let endpoint: Endpoint
  /** Tokens the stub provider's RFC 7009 endpoint was asked to revoke. */
  const revokedAtProvider: string[] = []
  const provider = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/revoke') {
        revokedAtProvider.push(new URLSearchParams(body).get('token') ?? '')
        res.writeHead(200).end()
      } else res.writeHead(404).end()
    })
  })

  before(async () => {
    provider.listen(0, '127.0.0.1')
    await once(provider, 'listening')
    const origin = `http://127.0.0.1:${String((provider.address() as AddressInfo).port)}`
    await addUsers(dataDir, ['alice', 'bob', 'carol'])
    const definitionFile = join(dir.path, 'stub.json')
    writeFileSync(definitionFile, JSON.stringify(stubDefinition(origin)))
    const added = await runCli(
      [
        'providers',
        'add',
        'stub',
        '--definition-file',
        definitionFile,
        '--client-id',
        'mandate',
        ...dataDir,
      ],
      { stdin: `${PROVIDER_SECRET}\n` },
    )
    assert.equal(added.code, 0, added.stderr)
    serve = await startServe(dataDir)
    endpoint = await discover(serve.url.origin)
  })
  after(async () => {
    await serve.stop()
    provider.closeAllConnections()
    provider.close()
    dir.remove()
  })

  const cli = async (args: string[]) => {
    const result = await runCli([...args, ...dataDir])
    assert.equal(result.code, 0, result.stderr)
    return result.stdout
  }
  /** Audit events of `type` as `mandate audit list --json` prints them. */
  const audited = async (type: string) =>
    (await cli(['audit', 'list', '--type', type, '--json']))
      .split('\n')
      .filter((row) => row !== '')
      .map(
        (row) =>
          JSON.parse(row) as {
            sub: string | null
            client_id: string | null
            detail: Record<string, unknown>
          },
      )

  it('clients enable: a disabled client signs people in again; its earlier tokens stay refused', async () => {
    const alice = await signIn(endpoint, 'alice', serve.mcpUrl)
    assert.match(await cli(['clients', 'disable', alice.clientId]), /disabled client/)
    assertRefused(await untilRefused(serve.mcpUrl, alice.access))
    // Disabled: the client cannot sign anyone in.
    await assert.rejects(
      tokensFor(endpoint, alice.clientId, 'alice', serve.mcpUrl),
      /unexpected page|authorization did not complete/,
    )
    assert.match(await cli(['clients', 'enable', alice.clientId]), /enabled client/)
    assert.match(await cli(['clients', 'list']), new RegExp(`${alice.clientId}\\s+active`))
    // Positive control: the same client signs alice in again and the new token works...
    const again = await tokensFor(endpoint, alice.clientId, 'alice', serve.mcpUrl)
    assert.equal((await callMcp(serve.mcpUrl, again.access)).status, 200)
    // ...while what the disable revoked stays revoked.
    assertRefused(await callMcp(serve.mcpUrl, alice.access))
    // Enabling an active client changes nothing; an unknown one is an error (exit 1).
    assert.match(await cli(['clients', 'enable', alice.clientId]), /is not disabled/)
    const unknown = await runCli(['clients', 'enable', 'no-such-client', ...dataDir])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no such client: no-such-client/)
    const [disabled] = await audited('client.disabled')
    assert.equal(disabled?.client_id, alice.clientId)
    assert.deepEqual(disabled.detail, { actor: 'cli', grants_ended: 1 })
    const enabled = await audited('client.enabled')
    assert.equal(enabled.length, 1)
    assert.equal(enabled[0]?.client_id, alice.clientId)
    assert.equal(enabled[0].detail['actor'], 'cli')
    // As an operator runs it: the enable survives a restart of `mandate serve`.
    await serve.stop()
    serve = await startServe(dataDir)
    endpoint = await discover(serve.url.origin)
    assert.match(await cli(['clients', 'list']), new RegExp(`${alice.clientId}\\s+active`))
    const afterRestart = await tokensFor(endpoint, alice.clientId, 'alice', serve.mcpUrl)
    assert.equal((await callMcp(serve.mcpUrl, afterRestart.access)).status, 200)
  })

  it('users delete: linked accounts revoked at the provider and deleted, pending links dropped; another user’s kept', async () => {
    const bob = await signIn(endpoint, 'bob', serve.mcpUrl)
    const carol = await signIn(endpoint, 'carol', serve.mcpUrl)
    const bobSub = decodeJwt(bob.access).sub ?? ''
    const carolSub = decodeJwt(carol.access).sub ?? ''
    const data = await openData(dir.path, stubDefinition('http://127.0.0.1:9'))
    const { store, vault } = data
    try {
      for (const [sub, name] of [
        [bobSub, 'bob'],
        [carolSub, 'carol'],
      ] as const) {
        await vault.saveOAuthCredential({
          sub,
          provider: 'stub',
          account: `${name}@stub`,
          tokens: {
            access_token: `stub-access-${name}`,
            refresh_token: `stub-refresh-${name}`,
            token_type: 'Bearer',
            scope: 'read',
          },
        })
        await insertPendingLink(store, {
          id_hash: `link-${name}`,
          sub,
          elicitation_id: `elicitation-${name}`,
          provider: 'stub',
          scopes: '["read"]',
          status: 'pending',
          state: null,
          transaction: null,
          created_at: Date.now(),
          expires_at: Date.now() + 600_000,
          client_id: null,
          completed_at: null,
        })
      }
      const rows = (table: 'vault_credentials' | 'server_pending_links', sub: string) =>
        store.db
          .selectFrom(table)
          .select('sub')
          .where('sub', '=', sub)
          .execute()
          .then((found) => found.length)
      assert.equal(await rows('vault_credentials', bobSub), 1)

      assert.match(
        await cli(['users', 'delete', 'bob']),
        /deleted bob \(1 linked accounts unlinked, 1 revoked at the provider\)/,
      )
      assertRefused(await untilRefused(serve.mcpUrl, bob.access))
      assert.equal(await rows('vault_credentials', bobSub), 0)
      assert.equal(await rows('server_pending_links', bobSub), 0)
      assert.deepEqual(revokedAtProvider.sort(), ['stub-access-bob', 'stub-refresh-bob'])
      const announced = await store.db
        .selectFrom('revocations')
        .select('event')
        .where('kind', '=', 'credential')
        .where('sub', '=', bobSub)
        .execute()
      assert.equal(announced.length, 1)
      assert.match(announced[0]?.event ?? '', /"provider":"stub"/)
      // Positive control: carol keeps her linked account, her pending link and her access.
      assert.equal(await rows('vault_credentials', carolSub), 1)
      assert.equal(await rows('server_pending_links', carolSub), 1)
      assert.equal((await callMcp(serve.mcpUrl, carol.access)).status, 200)
      const [unlinked] = await audited('vault.credential.unlinked')
      assert.equal(unlinked?.sub, bobSub)
      assert.equal(unlinked.detail['actor'], 'cli')
      assert.equal(unlinked.detail['reason'], 'revoked')
      // No secret in the audit trail.
      assert.doesNotMatch(
        await cli(['audit', 'list', '--json', '--limit', '1000']),
        /stub-(access|refresh)/,
      )
    } finally {
      await data.close()
    }
    const missing = await runCli(['users', 'delete', 'bob', ...dataDir])
    assert.notEqual(missing.code, 0)
  })
})

/** A generic OAuth provider on loopback whose RFC 7009 endpoint records what it is sent. */
function stubDefinition(origin: string): ProviderDefinition {
  return {
    id: 'stub',
    kind: 'oauth2',
    display_name: 'Stub',
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    revocation_endpoint: `${origin}/revoke`,
    scope_separator: ' ',
    pkce: 'required',
    token_endpoint_auth_method: 'client_secret_basic',
    refresh: 'rotating',
    revocation: 'rfc7009',
    allow_loopback_http: true,
  }
}

/** The data directory's store and vault, opened by the test (to seed and to check). */
async function openData(
  path: string,
  definition: ProviderDefinition,
): Promise<{ store: Store; vault: Vault; close(): Promise<void> }> {
  const store = await openStore({ kind: 'sqlite', filename: join(path, 'mandate.db') })
  const vault = await openVault({
    store,
    keys: keyFileProvider(join(path, 'master.key')),
    catalog: createProviderCatalog({ providers: [definition] }),
    backgroundRewrap: false,
  })
  return {
    store,
    vault,
    close: async () => {
      await vault.close()
      await store.close()
    },
  }
}
