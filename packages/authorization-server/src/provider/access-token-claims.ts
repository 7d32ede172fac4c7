import type { Configuration } from 'oidc-provider'
import { grantHash, issuedAtWithMs } from '../revocation/announce-revocation.ts'

type JwtCustomizer = NonNullable<
  NonNullable<NonNullable<Configuration['formats']>['customizers']>['jwt']
>

/**
 * Claims added to every JWT access token oidc-provider issues (RFC 9068 §2.2): the `acr`, `amr`
 * and `auth_time` of the authentication behind the grant (§2.2.1), the grant reference `gid` and
 * an `iat` with milliseconds, the two things revocation cut-offs compare (docs/revocation.md).
 */
export const accessTokenClaims: JwtCustomizer = (ctx, token, jwt) => {
  const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken
  if (source !== undefined) {
    if (source.acr !== undefined) jwt.payload['acr'] = source.acr
    if (source.amr !== undefined) jwt.payload['amr'] = source.amr
    if (source.authTime !== undefined) jwt.payload['auth_time'] = source.authTime
  }
  // Nothing is recorded per token: revocation is a deny-list plus this grant reference and an
  // `iat` with milliseconds (RFC 7519 §2 NumericDate), so that a cut-off refuses exactly the
  // tokens issued before it.
  if ('grantId' in token && typeof token.grantId === 'string') {
    jwt.payload['gid'] = grantHash(token.grantId)
  }
  jwt.payload['iat'] = issuedAtWithMs()
}
