const DAY_SECONDS = 86_400

/**
 * Every default of the authorization server's options, once. `resolveAuthorizationServerConfig`
 * fills the options from here and the configuration table of docs/authorization-server.md lists
 * the same values; no other file repeats one.
 */
export const AS_DEFAULTS = Object.freeze({
  /** JWT access tokens (RFC 9068): short-lived, so that a leaked one is worth little. */
  accessTokenSeconds: 300,
  /**
   * The longest access-token lifetime a configuration may set: revocation cut-offs are kept this
   * long (`CUT_RETENTION_MS`), so no token they cover can outlive them.
   */
  maxAccessTokenSeconds: DAY_SECONDS,
  /** Authorization codes (RFC 6749 §4.1.2 recommends at most ten minutes). */
  authorizationCodeSeconds: 60,
  /** Refresh tokens, idle lifetime (each refresh rotates the token). */
  refreshTokenSeconds: 14 * DAY_SECONDS,
  /** A grant and the refresh tokens under it, absolute lifetime. */
  grantSeconds: 90 * DAY_SECONDS,
  /** A browser session at the authorization server. */
  sessionSeconds: DAY_SECONDS,
  /** A login or consent interaction in progress (not configurable). */
  interactionSeconds: 3_600,
  /** ID tokens (not configurable; they are not sent to resource servers). */
  idTokenSeconds: 3_600,
  /** Reuse of a rotated refresh token: off, every reuse revokes the grant (RFC 9700 §4.14.2). */
  refreshGraceSeconds: 0,
  /** An unused dynamically registered client (RFC 7591) expires after this long. */
  dcrTtlSeconds: 30 * DAY_SECONDS,
  /** Dynamic Client Registrations per source address per hour, all instances together. */
  dcrPerSourcePerHour: 20,
  /** Client ID Metadata Document fetches per origin per minute, all instances together. */
  cimdFetchesPerOriginPerMinute: 30,
  /** ID-JAGs this server mints as an enterprise IdP (the draft suggests minutes). */
  idJagSeconds: 300,
})
