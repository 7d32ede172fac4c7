import * as oauth from 'oauth4webapi'
import { sealEnvelope } from '../crypto/envelope.ts'
import { VaultError } from '../errors.ts'
import type { VaultContext } from '../lib/context.ts'
import type { LinkTransaction, LinkTransactionSecret } from './link-transaction.ts'

/** The provider leg of one linking attempt: who links which provider, with which scopes. */
export interface StartProviderAuthorizationInput {
  /** The verified user who is linking. */
  sub: string
  provider: string
  scopes: readonly string[]
  /** Registered with the provider; compared exactly at the callback (RFC 9700 §4.1.3). */
  redirectUri: string
  /** How long the transaction stays valid. Default 10 min. */
  ttlMs?: number
}

/** Where to send the browser, and the transaction to keep server-side until the callback. */
export interface ProviderAuthorizationRequest {
  /** Where to send the browser (after the connect page's confirmation). */
  url: URL
  transaction: LinkTransaction
}

/**
 * Builds the provider's authorization URL for linking: PKCE S256 (RFC 7636) unless the provider
 * lacks it, a fresh `state`, a `nonce` for OpenID providers, and the exact redirect URI.
 * @throws VaultError `ERR_VAULT_PROVIDER_UNKNOWN`, `ERR_VAULT_INVALID_INPUT`.
 */
export async function startProviderAuthorization(
  ctx: VaultContext,
  input: StartProviderAuthorizationInput,
): Promise<ProviderAuthorizationRequest> {
  const definition = ctx.catalog.require(input.provider)
  if (definition.kind === 'api_key') {
    throw new VaultError('ERR_VAULT_INVALID_INPUT', `provider ${input.provider} takes an API key`)
  }
  const redirect = new URL(input.redirectUri)
  if (redirect.hash !== '')
    throw new VaultError('ERR_VAULT_INVALID_INPUT', 'redirect URI has a fragment')
  const as = await ctx.endpoints.authorizationServer(definition)
  if (as.authorization_endpoint === undefined) {
    throw new VaultError(
      'ERR_VAULT_PROVIDER_INVALID',
      `provider ${definition.id} has no authorization endpoint`,
    )
  }
  const { client } = await ctx.endpoints.clientAuth(definition)
  const scopes = [...new Set([...(definition.default_scopes ?? []), ...input.scopes])]
  const state = oauth.generateRandomState()
  const secret: LinkTransactionSecret = { redirect_uri: input.redirectUri, scopes }
  const url = new URL(as.authorization_endpoint)
  const params = url.searchParams
  params.set('client_id', client.client_id)
  params.set('redirect_uri', input.redirectUri)
  params.set('response_type', 'code')
  if (scopes.length > 0)
    params.set(definition.scope_parameter ?? 'scope', scopes.join(definition.scope_separator))
  params.set('state', state)
  if (definition.pkce !== 'unsupported') {
    secret.code_verifier = oauth.generateRandomCodeVerifier()
    params.set('code_challenge', await oauth.calculatePKCECodeChallenge(secret.code_verifier))
    params.set('code_challenge_method', 'S256')
  }
  if (definition.kind === 'oidc' && scopes.includes('openid')) {
    secret.nonce = oauth.generateRandomNonce()
    params.set('nonce', secret.nonce)
  }
  for (const [name, value] of Object.entries(definition.authorization_params ?? {}))
    params.set(name, value)
  const { envelope } = await sealEnvelope(
    ctx.keys,
    { kind: 'link_transaction', sub: input.sub, provider: definition.id, recordId: state },
    Buffer.from(JSON.stringify(secret)),
  )
  return {
    url,
    transaction: {
      provider: definition.id,
      state,
      expires_at: ctx.now() + (input.ttlMs ?? 600_000),
      sealed: envelope,
    },
  }
}
