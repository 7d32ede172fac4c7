// Every preset against a local OAuth server that behaves as that provider documents (issue 13):
// the authorization request the vault builds, the token response it reads, refresh (rotation
// or reuse), and revocation or its absence. Each case names the document its quirks come from.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { join } from 'node:path'
import { createSsrfSafeFetch } from '@mandate/core/node'
import type { Store } from '@mandate/store'
import { createProviderCatalog, keyFileProvider, openVault, PROVIDER_PRESETS } from '@mandate/vault'
import type { OAuthProviderDefinition } from '@mandate/vault'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { startQuirkProvider } from './support/quirk-provider.ts'
import type { Quirks } from './support/quirk-provider.ts'
import { tempDir } from './support/vault.ts'

interface Case {
  docs: string
  quirks: Quirks
  tool: string[]
  /** The scope parameter as sent (undefined: none sent). */
  requested: string | undefined
  granted: string[]
}

const base = { scopeParameter: 'scope', requiredParams: {} } as const
const CASES: Record<string, Case> = {
  github: {
    docs: 'GitHub docs: Authorizing OAuth apps — scope "space-delimited" in the request, token response scope=repo,gist, JSON only with Accept: application/json; Refreshing user access tokens — single-use refresh tokens, 8 h; Troubleshooting OAuth app access token request errors — errors with HTTP 200',
    quirks: {
      ...base,
      requestSeparator: ' ',
      responseSeparator: ',',
      clientAuth: 'post',
      pkce: true,
      github: true,
      refreshToken: true,
      rotation: true,
      expiresIn: 28_800,
      revocation: false,
    },
    tool: ['repo', 'gist'],
    requested: 'repo gist',
    granted: ['repo', 'gist'],
  },
  google: {
    docs: 'Google Identity: Using OAuth 2.0 for Web Server Applications — access_type=offline and prompt=consent for a refresh token, refresh responses carry no new refresh token, https://oauth2.googleapis.com/revoke',
    quirks: {
      ...base,
      requestSeparator: ' ',
      responseSeparator: ' ',
      clientAuth: 'post',
      pkce: true,
      requiredParams: { access_type: 'offline', prompt: 'consent' },
      refreshToken: true,
      rotation: false,
      expiresIn: 3599,
      revocation: true,
      idToken: true,
    },
    tool: ['https://www.googleapis.com/auth/calendar.readonly'],
    requested: 'openid https://www.googleapis.com/auth/calendar.readonly',
    granted: ['openid', 'https://www.googleapis.com/auth/calendar.readonly'],
  },
  microsoft: {
    docs: 'Microsoft identity platform: OAuth 2.0 authorization code flow — offline_access for a refresh token, a new refresh token on each refresh; no RFC 7009 endpoint',
    quirks: {
      ...base,
      requestSeparator: ' ',
      responseSeparator: ' ',
      clientAuth: 'post',
      pkce: true,
      refreshToken: true,
      rotation: true,
      expiresIn: 3600,
      revocation: false,
    },
    tool: ['User.Read'],
    requested: 'offline_access User.Read',
    granted: ['offline_access', 'User.Read'],
  },
  slack: {
    docs: 'Slack: Installing with OAuth (oauth.v2.access) — user_scope, comma-separated, user token in authed_user, ok:false errors with HTTP 200; Using token rotation — 12 h tokens, rotating refresh tokens; PKCE off for confidential apps',
    quirks: {
      ...base,
      scopeParameter: 'user_scope',
      requestSeparator: ',',
      responseSeparator: ',',
      clientAuth: 'post',
      pkce: false,
      slack: true,
      refreshToken: true,
      rotation: true,
      expiresIn: 43_200,
      revocation: false,
    },
    tool: ['channels:read', 'chat:write'],
    requested: 'channels:read,chat:write',
    granted: ['channels:read', 'chat:write'],
  },
  atlassian: {
    docs: 'Atlassian: OAuth 2.0 (3LO) apps — audience=api.atlassian.com, prompt=consent, offline_access, rotating refresh tokens',
    quirks: {
      ...base,
      requestSeparator: ' ',
      responseSeparator: ' ',
      clientAuth: 'post',
      pkce: false,
      requiredParams: { audience: 'api.atlassian.com', prompt: 'consent' },
      refreshToken: true,
      rotation: true,
      expiresIn: 3600,
      revocation: false,
    },
    tool: ['read:jira-work'],
    requested: 'offline_access read:jira-work',
    granted: ['offline_access', 'read:jira-work'],
  },
  gitlab: {
    docs: 'GitLab: OAuth 2.0 identity provider API — PKCE, 2 h tokens, rotating refresh tokens, RFC 7009 /oauth/revoke',
    quirks: {
      ...base,
      requestSeparator: ' ',
      responseSeparator: ' ',
      clientAuth: 'post',
      pkce: true,
      refreshToken: true,
      rotation: true,
      expiresIn: 7200,
      revocation: true,
    },
    tool: ['read_api'],
    requested: 'read_api',
    granted: ['read_api'],
  },
  notion: {
    docs: 'Notion: Authorization — no scopes (pages chosen at consent), owner=user, HTTP Basic client authentication, no expires_in or scope in the token response',
    quirks: {
      ...base,
      requestSeparator: ' ',
      responseSeparator: 'omitted',
      clientAuth: 'basic',
      pkce: false,
      requiredParams: { owner: 'user' },
      refreshToken: false,
      rotation: false,
      revocation: false,
    },
    tool: [],
    requested: undefined,
    granted: [],
  },
  linear: {
    docs: 'Linear: OAuth 2.0 authentication — comma-separated scopes, PKCE, rotating refresh tokens, /oauth/revoke',
    quirks: {
      ...base,
      requestSeparator: ',',
      responseSeparator: ',',
      clientAuth: 'post',
      pkce: true,
      refreshToken: true,
      rotation: true,
      expiresIn: 86_399,
      revocation: true,
    },
    tool: ['write'],
    requested: 'read,write',
    granted: ['read', 'write'],
  },
  dropbox: {
    docs: 'Dropbox OAuth Guide — token_access_type=offline for a long-lived refresh token, reused (not rotated), 4 h access tokens, non-RFC revocation',
    quirks: {
      ...base,
      requestSeparator: ' ',
      responseSeparator: ' ',
      clientAuth: 'post',
      pkce: true,
      requiredParams: { token_access_type: 'offline' },
      refreshToken: true,
      rotation: false,
      expiresIn: 14_400,
      revocation: false,
    },
    tool: ['files.metadata.read'],
    requested: 'files.metadata.read',
    granted: ['files.metadata.read'],
  },
  salesforce: {
    docs: 'Salesforce Help: OAuth 2.0 Web Server Flow — refresh_token scope, no expires_in in the token response, reusable refresh tokens; Revoke OAuth Tokens (RFC 7009)',
    quirks: {
      ...base,
      requestSeparator: ' ',
      responseSeparator: ' ',
      clientAuth: 'post',
      pkce: true,
      refreshToken: true,
      rotation: false,
      revocation: true,
    },
    tool: ['api'],
    requested: 'refresh_token api',
    granted: ['refresh_token', 'api'],
  },
  zoom: {
    docs: 'Zoom: Using OAuth 2.0 — HTTP Basic client authentication, 1 h tokens, each refresh returns a new refresh token, /oauth/revoke',
    quirks: {
      ...base,
      requestSeparator: ' ',
      responseSeparator: ' ',
      clientAuth: 'basic',
      pkce: true,
      refreshToken: true,
      rotation: true,
      expiresIn: 3600,
      revocation: true,
    },
    tool: ['meeting:read'],
    requested: 'meeting:read',
    granted: ['meeting:read'],
  },
}

void describe('provider presets against servers with their documented quirks', () => {
  const backend = sqliteBackend()
  const dir = tempDir()
  let store: Store
  before(async () => {
    store = await backend.open({ migrate: true })
  })
  after(async () => {
    await store.close()
    await backend.cleanup()
    dir.remove()
  })

  void it('every preset has a case', () => {
    assert.deepEqual(Object.keys(CASES).sort(), Object.keys(PROVIDER_PRESETS).sort())
  })

  for (const [id, c] of Object.entries(CASES)) {
    void it(`${id} (${c.docs})`, async (t) => {
      const provider = await startQuirkProvider(c.quirks)
      t.after(() => provider.close())
      const preset = PROVIDER_PRESETS[id] as OAuthProviderDefinition
      assert.equal(preset.revocation, c.quirks.revocation ? 'rfc7009' : 'none', 'revocation')
      const { userinfo_endpoint: _ignored, ...rest } = preset
      const definition: OAuthProviderDefinition = {
        ...rest,
        issuer: provider.origin,
        authorization_endpoint: `${provider.origin}/authorize`,
        token_endpoint: `${provider.origin}/token`,
        ...(preset.revocation_endpoint === undefined
          ? {}
          : { revocation_endpoint: `${provider.origin}/revoke` }),
        allow_loopback_http: true,
      }
      const vault = await openVault({
        store,
        keys: keyFileProvider(join(dir.path, 'master.key')),
        catalog: createProviderCatalog({ providers: [definition] }),
        fetch: createSsrfSafeFetch({ dangerouslyAllowHttp: true, dangerouslyAllowLoopback: true }),
      })
      t.after(() => vault.close())
      await vault.setProviderClient(id, {
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      })
      const sub = `user-${id}`
      const redirectUri = 'https://mandate.example/connect/callback'
      const { url, transaction } = await vault.startProviderAuthorization({
        sub,
        provider: id,
        scopes: c.tool,
        redirectUri,
      })
      const other = c.quirks.scopeParameter === 'scope' ? 'user_scope' : 'scope'
      assert.equal(url.searchParams.get(c.quirks.scopeParameter) ?? undefined, c.requested)
      assert.equal(url.searchParams.get(other), null)
      const authorize = await fetch(url, { redirect: 'manual' })
      const callbackUrl = authorize.headers.get('location') ?? ''
      assert.equal(
        new URL(callbackUrl).searchParams.get('error'),
        null,
        'the provider accepted the request',
      )
      const linked = await vault.completeProviderAuthorization({ sub, transaction, callbackUrl })
      assert.deepEqual(linked.scopes, c.granted)
      assert.equal(linked.expires_at === null, c.quirks.expiresIn === undefined)
      if (c.quirks.github === true) {
        assert.ok(provider.tokenRequests.every((r) => r.accept.includes('application/json')))
      }

      const tool = vault.forTool([{ provider: id, scopes: c.tool }])
      const first = await tool.getFreshCredential({ sub, provider: id })
      assert.ok(provider.issued.has(first.access_token ?? ''), 'the user token is stored')
      if (!c.quirks.refreshToken) {
        // No refresh token: a token the provider rejects means linking again.
        await assert.rejects(
          tool.getFreshCredential({
            sub,
            provider: id,
            rejectedAccessToken: first.access_token ?? '',
          }),
          { code: 'ERR_VAULT_NEEDS_REAUTH' },
        )
      } else {
        const second = await tool.getFreshCredential({
          sub,
          provider: id,
          rejectedAccessToken: first.access_token ?? '',
        })
        assert.notEqual(second.access_token, first.access_token)
        // Rotation: the new refresh token was kept; reuse: the old one still works.
        const third = await tool.getFreshCredential({
          sub,
          provider: id,
          rejectedAccessToken: second.access_token ?? '',
        })
        assert.notEqual(third.access_token, second.access_token)
        assert.equal(provider.tokenRequests.filter((r) => r.grant === 'refresh_token').length, 2)
        // The user revoked the app at the provider: the next refresh ends in needs_reauth.
        provider.dropRefreshTokens()
        await assert.rejects(
          tool.getFreshCredential({
            sub,
            provider: id,
            rejectedAccessToken: third.access_token ?? '',
          }),
          { code: 'ERR_VAULT_NEEDS_REAUTH' },
        )
      }
      const unlinked = await vault.unlinkCredential(sub, linked.id)
      assert.equal(unlinked.revoked, c.quirks.revocation)
      assert.equal(provider.revoked.length > 0, c.quirks.revocation)
    })
  }
})
