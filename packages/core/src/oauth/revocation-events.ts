/**
 * The store channel on which revocations are announced, so that every instance drops cached
 * token decisions within a second (design: data flow 5).
 */
export const REVOCATION_CHANNEL = 'mandate.revocation'

/**
 * A revocation announcement. Token identifiers are the `jti` or, for opaque tokens, the
 * base64url SHA-256 of the token (never the token itself).
 */
export type RevocationEvent =
  | { type: 'token'; jti?: string; token_hash?: string }
  | { type: 'subject'; sub: string }
  | { type: 'client'; client_id: string }
  | { type: 'grant'; grant_id: string }
  | { type: 'all' }
