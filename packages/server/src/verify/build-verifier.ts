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
  if ('jwt' in verifier) {
    const jwt = createJwtVerifier({ now, ...verifier.jwt, resource })
    // A withdrawn signing key comes with its replacement: without a fresh key set, tokens of the
    // new key would be refused until the unknown-kid cooldown ends.
    const stop = revocations?.onEvent((event) => {
      if (event.type === 'key') jwt.refreshKeys()
    })
    if (stop === undefined) return jwt
    return {
      verify: (token) => jwt.verify(token),
      close: () => {
        stop()
        jwt.close?.()
      },
    }
  }
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
