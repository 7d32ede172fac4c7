import { discoverAuthorizationServerMetadata } from '@modelcontextprotocol/client'

import { createMandateAuth } from '../auth/create-mandate-auth.ts'
import type { MandateAuthOptions } from '../auth/create-mandate-auth.ts'
import { guardedDiscoveryFetch } from '../auth/guarded-discovery-fetch.ts'
import { ClientError } from '../errors.ts'

/** {@link MandateAuthOptions} for a STDIO server: its authorization server and resource are named directly. */
export interface ObtainStdioTokenOptions extends Omit<
  MandateAuthOptions,
  'serverUrl' | 'dpop' | 'persistDpopKey' | 'allowLegacyDiscovery'
> {
  /** The issuer of the authorization server that protects the local server. */
  authorizationServer: string
  /** The local server's resource identifier (an https URL the AS knows), its token's `aud`. */
  resource: string
  scope?: string
}

/**
 * Gets an access token for a local (stdio) MCP server: a stdio server has no HTTP endpoint to
 * discover from, so the resource and its authorization server are configured, then the usual
 * flow runs (registration, PKCE, `resource`, refresh). The token is a Bearer token: a DPoP proof
 * needs an HTTP request to bind to, which stdio does not have.
 */
export async function obtainStdioToken(options: ObtainStdioTokenOptions): Promise<string> {
  const fetchFn =
    options.discoveryFetch ??
    guardedDiscoveryFetch({ allowLoopback: options.allowLoopback === true })
  const metadata = await discoverAuthorizationServerMetadata(options.authorizationServer, {
    fetchFn,
  })
  if (metadata === undefined) {
    throw new ClientError('ERR_CLIENT_LEGACY_DISCOVERY', 'authorization server metadata not found')
  }
  const mandate = createMandateAuth({
    ...options,
    serverUrl: options.resource,
    dpop: 'off',
    discoveryFetch: fetchFn,
  })
  // Seed discovery: the resource's metadata is configuration here, not fetched.
  await mandate.provider.saveDiscoveryState({
    authorizationServerUrl: options.authorizationServer,
    authorizationServerMetadata: metadata,
    resourceMetadata: {
      resource: options.resource,
      authorization_servers: [options.authorizationServer],
      ...(options.scope === undefined ? {} : { scopes_supported: options.scope.split(' ') }),
    },
  })
  await mandate.authorize()
  const tokens = await mandate.provider.tokens()
  if (tokens === undefined)
    throw new ClientError('ERR_CLIENT_AUTHORIZATION_DENIED', 'no token was issued')
  return tokens.access_token
}
