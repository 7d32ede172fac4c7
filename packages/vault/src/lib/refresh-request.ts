import * as oauth from 'oauth4webapi'
import type { OAuthProviderDefinition } from '../providers/provider-definition.ts'
import { VaultError } from '../errors.ts'
import type { VaultContext } from './context.ts'
import type { CredentialSecret } from './credential-secret.ts'
import { importDpopKey } from './dpop-keys.ts'

/** One refresh-token grant (RFC 6749 §6) with oauth4webapi, with DPoP proofs when bound. */
export async function requestRefresh(
  ctx: VaultContext,
  definition: OAuthProviderDefinition,
  secret: CredentialSecret,
  signal: AbortSignal,
): Promise<oauth.TokenEndpointResponse> {
  const refreshToken = secret.refresh_token ?? ''
  const as = await ctx.endpoints.authorizationServer(definition, signal)
  const { client, auth } = await ctx.endpoints.clientAuth(definition)
  const options: oauth.TokenEndpointRequestOptions = ctx.endpoints.requestOptions(
    definition,
    signal,
  )
  if (secret.dpop_private_jwk !== undefined) {
    options.DPoP = oauth.DPoP(client, await importDpopKey(secret.dpop_private_jwk))
  }
  const attempt = async () =>
    oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, options),
    )
  try {
    return await attempt()
  } catch (error) {
    // RFC 9449 §8: the provider asks for its nonce; the handle has it now, so try once more.
    if (options.DPoP !== undefined && oauth.isDPoPNonceError(error)) return attempt()
    throw error
  }
}

/** A short reason without any response body (which could echo a token). */
export function describeFailure(error: unknown): string {
  if (error instanceof oauth.ResponseBodyError)
    return `${error.error} (http ${String(error.status)})`
  if (error instanceof oauth.OperationProcessingError) return error.code ?? 'invalid_response'
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'timeout'
  if (error instanceof VaultError) return error.code
  return 'network_error'
}
