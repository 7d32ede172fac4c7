/**
 * The store channel on which revocations are announced, so that every instance drops cached
 * token decisions within a second (design: data flow 5). See docs/revocation.md.
 */
export const REVOCATION_CHANNEL = 'mandate.revocation'

/** Why something was revoked (for audit and operators; consumers act on the type alone). */
export type RevocationReason =
  | 'rfc7009'
  | 'grant_revoked'
  | 'refresh_reuse'
  | 'user_disabled'
  | 'user_deleted'
  | 'password_reset'
  | 'mfa_reset'
  | 'client_removed'
  | 'credential_unlinked'
  | 'key_withdrawn'
  | 'upstream_signal'
  | 'operator'

/** Fields every recorded event carries once it is in the revocation log. */
interface RevocationBase {
  /** Position in the revocation log (monotonic per installation); a feed cursor. */
  seq?: number
  /** When it was revoked, ms since the epoch. Cut-offs refuse tokens with `iat` ≤ this. */
  at?: number
  /** Until when consumers must remember it, ms since the epoch (the longest token it can hit). */
  expires_at?: number
  reason?: RevocationReason
}

/**
 * A revocation announcement. Token identifiers are the `jti` or, for opaque tokens, the
 * base64url SHA-256 of the token (never the token itself). A grant is named by `gid`, the hex
 * SHA-256 of the grant id, which is also the `gid` claim of every access token issued under it.
 */
export type RevocationEvent = RevocationBase &
  (
    | {
        type: 'token'
        jti?: string
        token_hash?: string
        sub?: string
        client_id?: string
        gid?: string
      }
    /** Every token of the grant issued at or before `at`. */
    | { type: 'grant'; gid: string; sub?: string; client_id?: string }
    /** Every token of the user issued at or before `at`. */
    | { type: 'subject'; sub: string }
    /** Every token of the client issued at or before `at`. */
    | { type: 'client'; client_id: string }
    /** Every token signed with this key. */
    | { type: 'key'; kid: string }
    /** A linked third-party account of `sub` was removed from the vault. */
    | { type: 'credential'; sub: string; provider: string; credential_id?: string }
    /** Everything before `at` is suspect (a consumer lost messages). */
    | { type: 'all' }
  )

/**
 * The HTTP revocation feed (docs/revocation.md): each event is an RFC 8417 Security Event Token
 * whose `events` member holds the {@link RevocationEvent} under this URI; every page of the
 * feed carries a signed checkpoint SET (cursor and the reader's nonce) under the second one.
 */
export const REVOCATION_SET_EVENT = 'urn:mandate:secevent:revocation'
/** The `events` member URI of a feed page's signed checkpoint SET (see {@link REVOCATION_SET_EVENT}). */
export const FEED_CHECKPOINT_SET_EVENT = 'urn:mandate:secevent:feed-checkpoint'
/** `typ` of those SETs (RFC 8417 §2.3). */
export const SECEVENT_JWT_TYPE = 'secevent+jwt'
/** Authorization server metadata member (RFC 8414 §2 allows additional members) of the feed. */
export const REVOCATION_FEED_METADATA = 'mandate_revocation_feed_endpoint'
