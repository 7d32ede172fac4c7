/** One challenge of a `WWW-Authenticate` field (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** The auth-scheme as sent; compare it case-insensitively (RFC 9110 §11.1). */
  scheme: string
  /** auth-param names lower-cased (they are case-insensitive), values unquoted. */
  params: Record<string, string>
  /** The token68 form, when the challenge carries one instead of parameters. */
  token68?: string
}
