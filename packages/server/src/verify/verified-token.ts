import type { Actor } from '../identity.ts'

/** What a verifier establishes about an access token, before transport-level checks (DPoP). */
export interface VerifiedToken {
  issuer: string
  sub: string
  clientId: string
  scopes: string[]
  expiresAt: number
  issuedAt: number | undefined
  jti: string | undefined
  acr: string | undefined
  amr: string[]
  authTime: number | undefined
  act: Actor | undefined
  /** `cnf.jkt` (RFC 9449 §6): the token may only be used with proofs signed by this key. */
  jkt: string | undefined
  /** The `gid` claim of Mandate's tokens: SHA-256 (hex) of the grant (revocation by grant). */
  gid?: string | undefined
  /** `machine` for a client-credentials token (`mandate_principal`), else `person`. */
  principal?: 'person' | 'machine'
  /** The signing key's `kid` (revocation of a withdrawn key). */
  kid?: string | undefined
}

/** Verifies an access token for one resource. Implementations fail closed. */
export interface TokenVerifier {
  /**
   * @throws TokenRejectedError when the token is not acceptable here (any reason, including an
   *   unreachable key set or introspection endpoint).
   */
  verify(token: string): Promise<VerifiedToken>
  /** Stops timers and subscriptions. */
  close?(): void
}
