/**
 * A third-party provider as data. OAuth fields use the RFC 8414 metadata names, so a definition
 * is also the `AuthorizationServer` object oauth4webapi expects.
 */
export type ProviderDefinition = OAuthProviderDefinition | ApiKeyProviderDefinition

/** An OAuth 2.0 or OpenID Connect provider: endpoints (or discovery) and its quirks. */
export interface OAuthProviderDefinition {
  /** Stable identifier used in tool declarations and records, e.g. `github`. */
  id: string
  kind: 'oauth2' | 'oidc'
  display_name: string
  /** The issuer identifier (RFC 8414 §2); with `discovery`, metadata is fetched from it. */
  issuer: string
  /** OpenID Connect discovery (or RFC 8414) fills the endpoints at first use. */
  discovery?: boolean
  authorization_endpoint?: string
  token_endpoint?: string
  /** RFC 7009 revocation endpoint, when the provider has one. */
  revocation_endpoint?: string
  userinfo_endpoint?: string
  /** RFC 9207: the provider returns `iss` in the authorization response. */
  authorization_response_iss_parameter_supported?: boolean
  /** How the provider joins scopes in the `scope` parameter (RFC 6749 says space). */
  scope_separator: ' ' | ','
  /** How the token response joins granted scopes, when unlike the request (GitHub: `,`). */
  response_scope_separator?: ' ' | ','
  /** The authorization request parameter for scopes (Slack user tokens: `user_scope`). */
  scope_parameter?: 'scope' | 'user_scope'
  /** A non-standard token response shape the vault rewrites (lib/token-response-quirks.ts). */
  token_response?: 'rfc6749' | 'error_as_200' | 'slack_authed_user'
  /** Scopes always requested, e.g. `offline_access` to obtain a refresh token. */
  default_scopes?: string[]
  /** Extra authorization request parameters, e.g. Google's `access_type=offline`. */
  authorization_params?: Record<string, string>
  /** PKCE S256 (RFC 7636): `required`/`supported` send it; `unsupported` providers get none. */
  pkce: 'required' | 'supported' | 'unsupported'
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'none'
  /** Refresh behaviour, for docs and for how the vault treats a missing `refresh_token`. */
  refresh: 'rotating' | 'reusable' | 'optional_rotation' | 'none'
  /** Revocation: RFC 7009 at `revocation_endpoint`, or none (unlink only deletes locally). */
  revocation: 'rfc7009' | 'none'
  /** Bind tokens to a vault-held key with DPoP (RFC 9449); only for providers that support it. */
  dpop?: boolean
  /** Where the facts above come from (provider documentation URLs). */
  docs?: string[]
  /** Allows plain-http endpoints; only honoured for loopback hosts (tests, the demo provider). */
  allow_loopback_http?: boolean
}

/** A provider whose users paste an API key (checked against `key_pattern`) instead of OAuth. */
export interface ApiKeyProviderDefinition {
  id: string
  kind: 'api_key'
  display_name: string
  /** Shown on the page where the user types the key, e.g. where to create one. */
  instructions?: string
  /** A regular expression (source) the key must match, to catch obvious paste errors. */
  key_pattern?: string
  docs?: string[]
}

/** A provider's OAuth client registration; stored vault-encrypted. */
export interface ProviderClient {
  client_id: string
  client_secret?: string
}
