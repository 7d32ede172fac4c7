import type { ProtectOptions } from '../options.ts'
import { createIntrospectionVerifier } from './create-introspection-verifier.ts'
import { createJwtVerifier } from './create-jwt-verifier.ts'
import type { TokenVerifier } from './verified-token.ts'

/** The verifier `ProtectOptions.verifier` describes, bound to this resource. */
export function buildVerifier(options: ProtectOptions, resource: string): TokenVerifier {
  const v = options.verifier
  if ('jwt' in v) return createJwtVerifier({ ...v.jwt, resource })
  if ('introspection' in v) {
    return createIntrospectionVerifier({
      ...v.introspection,
      resource,
      ...(options.store === undefined ? {} : { revocations: options.store }),
    })
  }
  return v
}
