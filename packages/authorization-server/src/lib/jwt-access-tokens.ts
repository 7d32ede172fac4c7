import { jwtVerify } from 'jose'
import type { JWK, JWTPayload } from 'jose'
import type { AdapterPayload } from 'oidc-provider'
import type { Store } from '@mandate/store'
import { liveAccessToken } from './access-token-records.ts'
import { verifierFor } from './key-cache.ts'

export interface VerifiedAccessToken extends JWTPayload {
  jti: string
  sub: string
  client_id: string
  scope?: string
  cnf?: { jkt?: string }
  act?: Record<string, unknown>
  acr?: string
  amr?: string[]
  auth_time?: number
}

/**
 * Verifies one of our RFC 9068 access tokens (signature, `typ: at+jwt`, issuer, expiry) and
 * that it was issued and is not revoked. Undefined for anything else.
 */
export async function verifyOwnAccessToken(
  store: Store,
  issuer: string,
  keys: readonly JWK[],
  value: string,
): Promise<{ claims: VerifiedAccessToken; grantId: string | null } | undefined> {
  try {
    const { payload } = await jwtVerify(value, verifierFor(keys), {
      issuer,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      requiredClaims: ['jti', 'sub', 'client_id', 'exp', 'aud'],
    })
    const claims = payload as VerifiedAccessToken
    const record = await liveAccessToken(store, claims.jti)
    if (record === undefined) return undefined
    return { claims, grantId: record.grantId }
  } catch {
    return undefined
  }
}

/** The adapter payload oidc-provider's introspection and revocation expect. */
export function toAdapterPayload(
  claims: VerifiedAccessToken,
  grantId: string | null,
): AdapterPayload {
  return {
    jti: claims.jti,
    kind: 'AccessToken',
    accountId: claims.sub,
    clientId: claims.client_id,
    ...(claims.scope === undefined ? {} : { scope: claims.scope }),
    ...(claims.aud === undefined ? {} : { aud: claims.aud }),
    ...(claims.exp === undefined ? {} : { exp: claims.exp }),
    ...(claims.iat === undefined ? {} : { iat: claims.iat }),
    ...(grantId === null ? {} : { grantId }),
    ...(claims.cnf?.jkt === undefined ? {} : { jkt: claims.cnf.jkt }),
    ...(claims.act === undefined ? {} : { extra: { act: claims.act } }),
  }
}
