import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { startTestProvider } from './support/test-provider.ts'
import type { TestProvider } from './support/test-provider.ts'
import { closeAll, expire, linkDemoAccount, openTestVault, tempDir } from './support/vault.ts'
import type { TestVault } from './support/vault.ts'

void describe('DPoP-bound provider tokens (RFC 9449)', () => {
  const backend = sqliteBackend()
  let store: Store
  let provider: TestProvider
  let fixture: TestVault
  const dir = tempDir()
  const fresh = () =>
    fixture.vault
      .forTool([{ provider: 'demo' }])
      .getFreshCredential({ sub: 'alice', provider: 'demo' })

  before(async () => {
    store = await backend.open()
    provider = await startTestProvider({ dpop: true })
    fixture = await openTestVault(store, `${dir.path}/master.key`, provider, {}, { dpop: true })
  })
  after(async () => {
    await closeAll(
      () => fixture.close(),
      () => provider.close(),
      () => store.close(),
      () => backend.cleanup(),
    )
    dir.remove()
  })

  void it('links with a vault-held DPoP key (answering the nonce challenge) and stores token type DPoP', async () => {
    const linked = await linkDemoAccount(fixture.vault, provider, 'alice')
    assert.equal(linked.token_type, 'DPoP')
    const credential = await fresh()
    assert.equal(credential.token_type, 'DPoP')
    assert.ok(credential.dpop_key_pair !== undefined)
    assert.equal(credential.dpop_key_pair.privateKey.extractable, false)
    const introspected = await introspect(provider, credential.access_token ?? '')
    assert.equal(introspected['token_type'], 'DPoP')
    assert.ok(typeof (introspected['cnf'] as { jkt?: unknown } | undefined)?.jkt === 'string')
  })

  void it('refreshes with the same key: the new token is bound to the same thumbprint', async () => {
    const before = await introspect(provider, (await fresh()).access_token ?? '')
    const [linked] = await fixture.vault.listCredentials('alice')
    await expire(store, linked?.id ?? '')
    const after = await fresh()
    // One grant, possibly preceded by a use_dpop_nonce challenge (RFC 9449 §8).
    assert.ok(provider.refreshRequests >= 1 && provider.refreshRequests <= 2)
    const introspected = await introspect(provider, after.access_token ?? '')
    assert.equal(introspected['active'], true)
    assert.deepEqual(introspected['cnf'], before['cnf'])
  })

  void it('keeps the private key only inside the envelope', async () => {
    const credential = await fresh()
    const jwk = await crypto.subtle.exportKey(
      'jwk',
      credential.dpop_key_pair?.publicKey as CryptoKey,
    )
    const rows = JSON.stringify(
      await store.db.selectFrom('vault_credentials').selectAll().execute(),
    )
    assert.equal(rows.includes(jwk.x ?? 'missing'), false)
  })
})

async function introspect(provider: TestProvider, token: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${provider.issuer}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token,
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
    }),
  })
  return (await response.json()) as Record<string, unknown>
}
