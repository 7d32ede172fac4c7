/** OAuth 2.0 Protected Resource Metadata (RFC 9728 §2), wire names. */
export interface ProtectedResourceMetadata {
  resource: string
  authorization_servers?: string[]
  jwks_uri?: string
  scopes_supported?: string[]
  bearer_methods_supported?: string[]
  resource_signing_alg_values_supported?: string[]
  resource_name?: string
  resource_documentation?: string
  resource_policy_uri?: string
  resource_tos_uri?: string
  tls_client_certificate_bound_access_tokens?: boolean
  authorization_details_types_supported?: string[]
  /** RFC 9449 §5.1. */
  dpop_signing_alg_values_supported?: string[]
  /** RFC 9449 §5.1. */
  dpop_bound_access_tokens_required?: boolean
  signed_metadata?: string
  [extension: string]: unknown
}

/** OAuth 2.0 Authorization Server Metadata (RFC 8414 §2) and the OpenID fields MCP reads. */
export interface AuthorizationServerMetadata {
  issuer: string
  authorization_endpoint?: string
  token_endpoint?: string
  jwks_uri?: string
  registration_endpoint?: string
  scopes_supported?: string[]
  response_types_supported?: string[]
  response_modes_supported?: string[]
  grant_types_supported?: string[]
  token_endpoint_auth_methods_supported?: string[]
  token_endpoint_auth_signing_alg_values_supported?: string[]
  service_documentation?: string
  revocation_endpoint?: string
  revocation_endpoint_auth_methods_supported?: string[]
  introspection_endpoint?: string
  introspection_endpoint_auth_methods_supported?: string[]
  code_challenge_methods_supported?: string[]
  /** RFC 9449 §5.1. */
  dpop_signing_alg_values_supported?: string[]
  /** RFC 9207 §3. */
  authorization_response_iss_parameter_supported?: boolean
  /** Client ID Metadata Documents (MCP 2025-11-25). */
  client_id_metadata_document_supported?: boolean
  /** OpenID Connect Discovery 1.0 §3. */
  userinfo_endpoint?: string
  acr_values_supported?: string[]
  [extension: string]: unknown
}

/**
 * Where RFC 9728 §3.1 puts the metadata of `resource`: the well-known suffix is inserted between
 * the host and the path (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`).
 */
export function protectedResourceMetadataUrl(resource: string | URL): URL {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return new URL(`/.well-known/oauth-protected-resource${path}`, url.origin)
}
