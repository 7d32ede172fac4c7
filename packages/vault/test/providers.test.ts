import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createProviderCatalog, PROVIDER_PRESETS, validateProvider } from '@mandate/vault'
import type { OAuthProviderDefinition } from '@mandate/vault'

const generic: OAuthProviderDefinition = {
  id: 'acme',
  kind: 'oauth2',
  display_name: 'Acme',
  issuer: 'https://auth.acme.example',
  authorization_endpoint: 'https://auth.acme.example/authorize',
  token_endpoint: 'https://auth.acme.example/token',
  scope_separator: ' ',
  pkce: 'supported',
  token_endpoint_auth_method: 'client_secret_basic',
  refresh: 'rotating',
  revocation: 'none',
}

void describe('provider catalog', () => {
  void it('offers every curated preset, and each one validates', () => {
    const ids = [
      'github',
      'google',
      'microsoft',
      'slack',
      'atlassian',
      'gitlab',
      'notion',
      'linear',
      'dropbox',
      'salesforce',
      'zoom',
    ]
    assert.deepEqual(Object.keys(PROVIDER_PRESETS).sort(), ids.sort())
    for (const preset of Object.values(PROVIDER_PRESETS)) {
      assert.equal(validateProvider(preset), preset)
      assert.ok((preset.docs ?? []).length > 0, `${preset.id} cites its documentation`)
    }
    assert.equal(createProviderCatalog({ presets: true }).list().length, ids.length)
  })

  void it('accepts generic OAuth 2.0, OpenID discovery and API-key providers', () => {
    const catalog = createProviderCatalog({
      providers: [
        generic,
        {
          id: 'corp-sso',
          kind: 'oidc',
          display_name: 'Corp SSO',
          issuer: 'https://sso.corp.example',
          discovery: true,
          scope_separator: ' ',
          pkce: 'required',
          token_endpoint_auth_method: 'client_secret_post',
          refresh: 'reusable',
          revocation: 'rfc7009',
        },
        { id: 'weather', kind: 'api_key', display_name: 'Weather', key_pattern: '^wk_' },
      ],
    })
    assert.deepEqual(
      catalog.list().map((entry) => entry.id),
      ['acme', 'corp-sso', 'weather'],
    )
    assert.throws(() => catalog.require('nope'), { code: 'ERR_VAULT_PROVIDER_UNKNOWN' })
    assert.throws(() => createProviderCatalog({ presets: ['nope'] }), {
      code: 'ERR_VAULT_PROVIDER_UNKNOWN',
    })
  })

  const invalid: [string, Record<string, unknown>][] = [
    ['an id with odd characters', { id: 'Acme Corp' }],
    ['a plain-http token endpoint', { token_endpoint: 'http://auth.acme.example/token' }],
    [
      'plain http to a non-loopback host even when allowed',
      { allow_loopback_http: true, issuer: 'http://10.0.0.1' },
    ],
    [
      'credentials in an endpoint URL',
      { token_endpoint: 'https://user:pass@auth.acme.example/token' },
    ],
    ['a missing token endpoint', { token_endpoint: undefined }],
    ['an unknown scope separator', { scope_separator: ';' }],
    ['an unknown PKCE mode', { pkce: 'plain' }],
    ['an unknown client authentication', { token_endpoint_auth_method: 'private_key_jwt' }],
    ['rfc7009 revocation without an endpoint', { revocation: 'rfc7009' }],
    ['an unknown kind', { kind: 'saml' }],
  ]
  for (const [name, change] of invalid) {
    void it(`refuses an operator provider with ${name}`, () => {
      assert.throws(
        () =>
          createProviderCatalog({
            providers: [{ ...generic, ...change }],
          }),
        {
          code: 'ERR_VAULT_PROVIDER_INVALID',
        },
      )
    })
  }

  void it('allows plain http only for loopback providers that ask for it (tests, the demo)', () => {
    const loopback = {
      ...generic,
      issuer: 'http://127.0.0.1:9',
      authorization_endpoint: 'http://127.0.0.1:9/a',
      token_endpoint: 'http://127.0.0.1:9/t',
    }
    assert.throws(() => validateProvider(loopback), { code: 'ERR_VAULT_PROVIDER_INVALID' })
    assert.equal(validateProvider({ ...loopback, allow_loopback_http: true }).id, 'acme')
  })
})
