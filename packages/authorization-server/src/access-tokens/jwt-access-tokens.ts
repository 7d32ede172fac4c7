import { jwtVerify } from 'jose'
import type { JWK, JWTPayload } from 'jose'
import type { AdapterPayload } from 'oidc-provider'
import { findGrantRecord, isAccessTokenRevoked } from '@mandate/store'
import type { Store } from '@mandate/store'
import { rememberVerifiedToken } from './access-token-records.ts'
import { sha256Hex } from '../lib/hash.ts'
import { verifierFor } from '../keys/key-cache.ts'

/**
 * The claims of an access token this server signed (RFC 9068), once its signature and expiry are
 * checked.
 */
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
  /** SHA-256 (hex) of the grant id the token was issued under (docs/revocation.md). */
  gid?: string
}

/**
 * Verifies one of our RFC 9068 access tokens (signature, `typ: at+jwt`, issuer, expiry), that
 * its grant is alive and that the revocation log does not refuse it. Undefined otherwise.
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
    const gid = typeof claims.gid === 'string' ? claims.gid : undefined
    const grantId = gid === undefined ? null : await liveGrantId(store, gid)
    if (grantId === undefined) return undefined
    const iatMs = (typeof claims.iat === 'number' ? claims.iat : 0) * 1000
    const token = { jti: claims.jti, gid, sub: claims.sub, clientId: claims.client_id, iatMs }
    if (await isAccessTokenRevoked(store, token)) return undefined
    rememberVerifiedToken(claims.jti, {
      sub: claims.sub,
      client_id: claims.client_id,
      gid,
      exp: claims.exp ?? 0,
    })
    return { claims, grantId }
  } catch {
    return undefined
  }
}

/** The id of the live grant whose id hashes to `gid` (the adapter keys records by that hash). */
async function liveGrantId(store: Store, gid: string): Promise<string | undefined> {
  const row = await findGrantRecord(store, gid)
  if (row?.grant_id == null || (row.expires_at !== null && row.expires_at <= Date.now())) {
    return undefined
  }
  // The column is an index; the hash binds it to the id the token names.
  return sha256Hex(row.grant_id) === gid ? row.grant_id : undefined
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
