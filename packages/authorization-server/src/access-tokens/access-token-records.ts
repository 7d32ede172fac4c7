import type { Store } from '@mandate/store'
import { announceTokenRevoked } from '../revocation/announce-revocation.ts'

/**
 * Access tokens are not recorded at issuance (RFC 9068 JWTs are self-contained; docs/
 * revocation.md): revocation puts the `jti` on the deny-list of the revocation log, and grant
 * liveness is checked through the token's `gid` claim. oidc-provider's revocation endpoint
 * resolves the token (introspection-style, through the adapter) just before it destroys it;
 * the claims seen then are remembered briefly so the announcement names sub, client and expiry.
 */
interface Remembered {
  sub: string
  client_id: string
  gid: string | undefined
  exp: number
}
const recent = new Map<string, Remembered>()
const RECENT_MAX = 1_000

/** Remembers the claims of a token just verified (see above). Bounded, oldest dropped. */
export function rememberVerifiedToken(jti: string, claims: Remembered): void {
  recent.delete(jti)
  recent.set(jti, claims)
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value ?? '')
}

/** Revokes one JWT access token by `jti` (RFC 7009): deny-listed and announced. */
export async function revokeAccessToken(store: Store, jti: string): Promise<void> {
  const claims = recent.get(jti)
  recent.delete(jti)
  await announceTokenRevoked(
    store,
    claims === undefined
      ? { jti }
      : {
          jti,
          sub: claims.sub,
          client_id: claims.client_id,
          exp: claims.exp,
          ...(claims.gid === undefined ? {} : { gid: claims.gid }),
        },
    'rfc7009',
  )
}
