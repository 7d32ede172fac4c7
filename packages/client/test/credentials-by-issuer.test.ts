import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { createMemoryStore, MandateOAuthProvider } from '@mandate/client'
import type { PreRegisteredClient } from '@mandate/client'

function provider(preRegistered?: PreRegisteredClient): MandateOAuthProvider {
  return new MandateOAuthProvider({
    serverUrl: 'https://mcp.example/mcp',
    store: createMemoryStore(),
    redirectUrl: 'http://127.0.0.1:9/callback',
    clientMetadata: { client_name: 't', redirect_uris: ['http://127.0.0.1:9/callback'] },
    allowLegacyDiscovery: false,
    allowLoopback: false,
    dpop: 'off',
    persistDpopKey: false,
    ...(preRegistered === undefined ? {} : { preRegistered }),
  })
}

void describe('credentials keyed by issuer', () => {
  void test('catalogue #148: a registration with one AS is not offered to another', async () => {
    const p = provider()
    await p.saveClientInformation({ client_id: 'at-as1' }, { issuer: 'https://as1.example' })
    assert.equal(
      (await p.clientInformation({ issuer: 'https://as1.example' }))?.client_id,
      'at-as1',
    )
    assert.equal(await p.clientInformation({ issuer: 'https://as2.example' }), undefined)
  })

  void test('catalogue #148: tokens from one AS are not presented for another', async () => {
    const p = provider()
    await p.saveTokens(
      { access_token: 'a1', token_type: 'Bearer' },
      { issuer: 'https://as1.example' },
    )
    assert.equal((await p.tokens({ issuer: 'https://as1.example' }))?.access_token, 'a1')
    assert.equal(await p.tokens({ issuer: 'https://as2.example' }), undefined)
    assert.equal((await p.tokens())?.access_token, 'a1')
  })

  void test('catalogue #148: a pre-registered client bound to an issuer is never sent elsewhere', async () => {
    const p = provider({ client_id: 'pre', client_secret: 's', issuer: 'https://as1.example' })
    assert.equal((await p.clientInformation({ issuer: 'https://as1.example' }))?.client_id, 'pre')
    assert.equal(await p.clientInformation({ issuer: 'https://evil.example' }), undefined)
  })

  void test('catalogue #167: state and code verifier are per flow', () => {
    const p = provider()
    const first = p.state()
    p.saveCodeVerifier('v1')
    const second = p.state()
    assert.notEqual(first, second)
    assert.throws(() => p.codeVerifier(), { code: 'ERR_CLIENT_STATE_MISMATCH' })
  })
})
