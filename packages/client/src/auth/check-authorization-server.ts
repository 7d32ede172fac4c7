import type { AuthorizationServerMetadata } from '@modelcontextprotocol/client'

import { ClientError } from '../errors.ts'

/**
 * MCP authorization "Authorization Code Protection": PKCE is mandatory and the client MUST refuse
 * to proceed when the metadata does not list `S256` in `code_challenge_methods_supported` (an
 * absent field counts as not listed). Legacy 2025-03-26 servers without metadata are accepted only
 * when the host opted in.
 */
export function checkAuthorizationServer(
  metadata: AuthorizationServerMetadata | undefined,
  options: { legacy: boolean },
): void {
  if (metadata === undefined) {
    if (options.legacy) return
    throw new ClientError(
      'ERR_CLIENT_LEGACY_DISCOVERY',
      'authorization server metadata not found and legacy discovery is off',
    )
  }
  const methods = metadata.code_challenge_methods_supported
  if (methods === undefined && options.legacy) return
  if (!Array.isArray(methods) || !methods.includes('S256')) {
    throw new ClientError(
      'ERR_CLIENT_PKCE_UNSUPPORTED',
      'authorization server does not advertise PKCE S256; refusing to authorize',
    )
  }
}
