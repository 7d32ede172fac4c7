import type { ProtectOptions } from '../options.ts'
import { createIntrospectionVerifier } from './create-introspection-verifier.ts'
import { createJwtVerifier } from './create-jwt-verifier.ts'
import type { RevocationListener } from './revocation-listener.ts'
import type { TokenVerifier } from './verified-token.ts'

/**
 * The verifier `ProtectOptions.verifier` describes, bound to this resource and clock (a `now`
 * in the verifier's own options wins).
 */
export function buildVerifier(
  verifier: ProtectOptions['verifier'],
  resource: string,
  now: () => number,
  revocations?: RevocationListener,
): TokenVerifier {
  if ('jwt' in verifier) return createJwtVerifier({ now, ...verifier.jwt, resource })
  if ('introspection' in verifier) {
    return createIntrospectionVerifier({
      now,
      ...verifier.introspection,
      resource,
      ...(revocations === undefined ? {} : { revocations }),
    })
  }
  return verifier
}
