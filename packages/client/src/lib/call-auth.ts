import type { AuthOptions, AuthResult } from '@modelcontextprotocol/client'
import {
  auth,
  discoverOAuthProtectedResourceMetadata,
  IssuerMismatchError,
} from '@modelcontextprotocol/client'

import type { AuthSession } from './auth-session.ts'

/** `auth()` options a run chooses; the server URL and the discovery fetch come from the session. */
export type RunAuthOptions = Omit<AuthOptions, 'serverUrl' | 'fetchFn'>

/**
 * The SDK's `auth()` for the session's server, through the discovery fetch. When a 2025-03-26
 * server's AS metadata fails the issuer check, the check is relaxed for the rest of the session,
 * but only with `allowLegacyDiscovery` and only when the server publishes no protected resource
 * metadata (a server that does is held to RFC 8414 §3.3).
 */
export async function callAuth(session: AuthSession, options: RunAuthOptions): Promise<AuthResult> {
  const { config, provider } = session
  const base = {
    serverUrl: config.serverUrl,
    fetchFn: config.discoveryFetch,
    ...(session.legacyIssuer ? { skipIssuerMetadataValidation: true } : {}),
  }
  try {
    return await auth(provider, { ...base, ...options })
  } catch (error) {
    if (!(await mayRelaxIssuerCheck(session, error))) throw error
    session.logger.warn('legacy 2025-03-26 server: authorization server issuer check relaxed')
    session.legacyIssuer = true
    return auth(provider, { ...base, skipIssuerMetadataValidation: true, ...options })
  }
}

async function mayRelaxIssuerCheck(session: AuthSession, error: unknown): Promise<boolean> {
  const { config } = session
  if (!(error instanceof IssuerMismatchError) || session.legacyIssuer) return false
  if (!config.allowLegacyDiscovery) return false
  const hasResourceMetadata = await discoverOAuthProtectedResourceMetadata(
    config.serverUrl,
    {},
    config.discoveryFetch,
  ).then(
    () => true,
    () => false,
  )
  return !hasResourceMetadata
}
