import * as oauth from 'oauth4webapi'
import { openEnvelope } from '../crypto/envelope.ts'
import { saveOAuthCredential } from '../credentials/save-credential.ts'
import type { SaveOAuthCredentialInput } from '../credentials/save-credential.ts'
import type { CredentialMetadata } from '../credentials/credential-metadata.ts'
import { VaultError } from '../errors.ts'
import { generateDpopKey, importDpopKey } from '../lib/dpop-keys.ts'
import type { VaultContext } from '../lib/context.ts'
import type { OAuthProviderDefinition } from '../providers/provider-definition.ts'
import type { LinkTransaction, LinkTransactionSecret } from './link-transaction.ts'

/** The provider's callback to one linking attempt, and the user whose browser brought it. */
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

/** The provider's metadata and our client at it, as oauth4webapi takes them. */
interface Endpoints {
  as: oauth.AuthorizationServer
  client: oauth.Client
  auth: oauth.ClientAuth
}

/** The provider's token response, and the DPoP key the tokens are bound to (if any). */
interface IssuedTokens {
  tokens: oauth.TokenEndpointResponse
  dpopKey: JsonWebKey | undefined
  receivedAt: number
}

/**
 * Finishes the provider leg, as steps: the transaction belongs to this user and has not expired
 * (`openTransaction`: sealed to `sub` and `state`, catalogue #176, #177); the callback carries
 * this `state` and the RFC 9207 `iss` (`validateCallback`, oauth4webapi
 * `validateAuthResponse`); the code is exchanged with the PKCE verifier and the exact redirect
 * URI (`exchangeCode`); the tokens are stored in the vault.
 * @throws VaultError `ERR_VAULT_LINK_INVALID` (wrong user, state, issuer, expired),
 *   `ERR_VAULT_LINK_FAILED` (the provider refused or failed).
 */
export async function completeProviderAuthorization(
  ctx: VaultContext,
  input: CompleteProviderAuthorizationInput,
): Promise<CredentialMetadata> {
  const definition = ctx.catalog.require(input.transaction.provider)
  if (definition.kind === 'api_key')
    throw new VaultError('ERR_VAULT_LINK_INVALID', 'not an OAuth provider')
  const secret = await openTransaction(ctx, definition, input)
  const endpoints: Endpoints = {
    as: await ctx.endpoints.authorizationServer(definition),
    ...(await ctx.endpoints.clientAuth(definition)),
  }
  const params = validateCallback(endpoints, input)
  const issued = await exchangeCode(ctx, definition, endpoints, secret, params)
  const claims = oauth.getValidatedIdTokenClaims(issued.tokens)
  const saved: SaveOAuthCredentialInput = {
    sub: input.sub,
    provider: definition.id,
    account: claims?.sub ?? input.account ?? 'default',
    tokens: issued.tokens,
    requestedScopes: secret.scopes,
    receivedAt: issued.receivedAt,
  }
  if (issued.dpopKey !== undefined) saved.dpopPrivateJwk = issued.dpopKey
  if (input.makeDefault !== undefined) saved.makeDefault = input.makeDefault
  return saveOAuthCredential(ctx, saved)
}

/** Step: the unexpired transaction's sealed secrets, opened for this user only. */
async function openTransaction(
  ctx: VaultContext,
  definition: OAuthProviderDefinition,
  input: CompleteProviderAuthorizationInput,
): Promise<LinkTransactionSecret> {
  const { transaction } = input
  if (transaction.expires_at <= ctx.now()) {
    throw new VaultError('ERR_VAULT_LINK_INVALID', 'the linking attempt has expired; start again')
  }
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
    return JSON.parse(Buffer.from(plain).toString('utf8')) as LinkTransactionSecret
  } catch (error) {
    throw new VaultError(
      'ERR_VAULT_LINK_INVALID',
      'this linking attempt belongs to another user or was altered',
      { cause: error },
    )
  }
}

/** Step: the authorization response's parameters, checked for `state`, `iss` and errors. */
function validateCallback(
  { as, client }: Endpoints,
  input: CompleteProviderAuthorizationInput,
): URLSearchParams {
  const callback = new URL(input.callbackUrl)
  try {
    return oauth.validateAuthResponse(as, client, callback, input.transaction.state)
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
}

/**
 * Step: the code grant (RFC 6749 §4.1.3) with the PKCE verifier, the nonce check for OpenID
 * providers, and a DPoP key for providers that bind tokens (RFC 9449 §8: one retry with the
 * nonce the provider supplies).
 */
async function exchangeCode(
  ctx: VaultContext,
  definition: OAuthProviderDefinition,
  { as, client, auth }: Endpoints,
  secret: LinkTransactionSecret,
  params: URLSearchParams,
): Promise<IssuedTokens> {
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
  try {
    try {
      return { tokens: await exchange(), dpopKey, receivedAt }
    } catch (error) {
      if (options.DPoP === undefined || !oauth.isDPoPNonceError(error)) throw error
      return { tokens: await exchange(), dpopKey, receivedAt }
    }
  } catch (error) {
    const code =
      error instanceof oauth.ResponseBodyError ? safeErrorCode(error.error) : 'token request failed'
    throw new VaultError('ERR_VAULT_LINK_FAILED', `the provider did not issue tokens: ${code}`, {
      cause: error,
    })
  }
}

/** Error codes are RFC 6749 tokens; anything else is not echoed. */
function safeErrorCode(code: string): string {
  return /^[a-z_]{1,64}$/.test(code) ? code : 'error'
}
