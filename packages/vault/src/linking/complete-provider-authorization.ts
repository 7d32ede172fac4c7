import * as oauth from 'oauth4webapi'
import { openEnvelope } from '../crypto/envelope.ts'
import { saveOAuthCredential } from '../credentials/save-credential.ts'
import type { CredentialMetadata } from '../credentials/credential-metadata.ts'
import { VaultError } from '../errors.ts'
import { generateDpopKey, importDpopKey } from '../lib/dpop-keys.ts'
import type { VaultContext } from '../lib/context.ts'
import type { LinkTransaction, LinkTransactionSecret } from './link-transaction.ts'

export interface CompleteProviderAuthorizationInput {
  /** The user signed in in the browser that reached the callback (from our own session). */
  sub: string
  transaction: LinkTransaction
  /** The full callback URL as received. */
  callbackUrl: URL | string
  /** The account id at the provider when it has no OpenID `sub` (plain OAuth 2.0). */
  account?: string
  makeDefault?: boolean
}

/**
 * Finishes the provider leg: checks that the callback belongs to this user's transaction
 * (sealed to `sub` and `state`, catalogue #176, #177), that it has not expired, the `state`
 * and the RFC 9207 `iss` (oauth4webapi `validateAuthResponse`), exchanges the code with the
 * PKCE verifier and exact redirect URI, and stores the tokens in the vault.
 * @throws VaultError `ERR_VAULT_LINK_INVALID` (wrong user, state, issuer, expired),
 *   `ERR_VAULT_LINK_FAILED` (the provider refused or failed).
 */
export async function completeProviderAuthorization(
  ctx: VaultContext,
  input: CompleteProviderAuthorizationInput,
): Promise<CredentialMetadata> {
  const { transaction } = input
  const definition = ctx.catalog.require(transaction.provider)
  if (definition.kind === 'api_key')
    throw new VaultError('ERR_VAULT_LINK_INVALID', 'not an OAuth provider')
  if (transaction.expires_at <= ctx.now()) {
    throw new VaultError('ERR_VAULT_LINK_INVALID', 'the linking attempt has expired; start again')
  }
  let secret: LinkTransactionSecret
  try {
    const plain = await openEnvelope(
      ctx.keys,
      {
        kind: 'link_transaction',
        sub: input.sub,
        provider: definition.id,
        recordId: transaction.state,
      },
      transaction.sealed,
    )
    secret = JSON.parse(Buffer.from(plain).toString('utf8')) as LinkTransactionSecret
  } catch (error) {
    throw new VaultError(
      'ERR_VAULT_LINK_INVALID',
      'this linking attempt belongs to another user or was altered',
      {
        cause: error,
      },
    )
  }
  const callback = new URL(input.callbackUrl)
  const as = await ctx.endpoints.authorizationServer(definition)
  const { client, auth } = await ctx.endpoints.clientAuth(definition)
  let params: URLSearchParams
  try {
    params = oauth.validateAuthResponse(as, client, callback, transaction.state)
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new VaultError(
        'ERR_VAULT_LINK_FAILED',
        `the provider refused: ${safeErrorCode(error.error)}`,
        { cause: error },
      )
    }
    throw new VaultError(
      'ERR_VAULT_LINK_INVALID',
      'the callback does not match this linking attempt',
      { cause: error },
    )
  }
  const receivedAt = ctx.now()
  const dpopKey = definition.dpop === true ? await generateDpopKey() : undefined
  const options: oauth.TokenEndpointRequestOptions = ctx.endpoints.requestOptions(
    definition,
    AbortSignal.timeout(ctx.refreshTimeoutMs),
  )
  if (dpopKey !== undefined) options.DPoP = oauth.DPoP(client, await importDpopKey(dpopKey))
  const exchange = async () =>
    oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        auth,
        params,
        secret.redirect_uri,
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- only for providers without PKCE
        secret.code_verifier ?? oauth.nopkce,
        options,
      ),
      {
        expectedNonce: secret.nonce ?? oauth.expectNoNonce,
        requireIdToken: secret.nonce !== undefined,
      },
    )
  let tokens: oauth.TokenEndpointResponse
  try {
    try {
      tokens = await exchange()
    } catch (error) {
      // RFC 9449 §8: retry once with the nonce the provider just supplied.
      if (options.DPoP === undefined || !oauth.isDPoPNonceError(error)) throw error
      tokens = await exchange()
    }
  } catch (error) {
    const code =
      error instanceof oauth.ResponseBodyError ? safeErrorCode(error.error) : 'token request failed'
    throw new VaultError('ERR_VAULT_LINK_FAILED', `the provider did not issue tokens: ${code}`, {
      cause: error,
    })
  }
  const claims = oauth.getValidatedIdTokenClaims(tokens)
  const account = claims?.sub ?? input.account ?? 'default'
  const saved: Parameters<typeof saveOAuthCredential>[1] = {
    sub: input.sub,
    provider: definition.id,
    account,
    tokens,
    requestedScopes: secret.scopes,
    receivedAt,
  }
  if (dpopKey !== undefined) saved.dpopPrivateJwk = dpopKey
  if (input.makeDefault !== undefined) saved.makeDefault = input.makeDefault
  return saveOAuthCredential(ctx, saved)
}

/** Error codes are RFC 6749 tokens; anything else is not echoed. */
function safeErrorCode(code: string): string {
  return /^[a-z_]{1,64}$/.test(code) ? code : 'error'
}
