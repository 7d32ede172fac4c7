import { clientSecretMatches } from '../clients/client-secret.ts'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import { introspectionAudiences } from '../provider/introspection-policy.ts'

/**
 * Who may read the revocation feed: the operator-configured confidential clients listed in a
 * resource's `introspectionClients` (the resource servers' own credentials), authenticated with
 * `client_secret_basic` (RFC 6749 §2.3.1). No client registered by DCR or CIMD can be one.
 * Returns the authenticated client_id, or undefined.
 */
export function feedClientAuthenticator(
  options: AuthorizationServerConfig,
): (authorization: string | undefined) => string | undefined {
  const allowed = introspectionAudiences(options)
  const secrets = new Map(
    options.clients.flatMap((client) =>
      allowed.has(client.client_id) && typeof client.client_secret === 'string'
        ? [[client.client_id, client.client_secret] as const]
        : [],
    ),
  )
  return (authorization) => {
    const credentials = basicCredentials(authorization)
    if (credentials === undefined) return undefined
    const stored = secrets.get(credentials.id)
    // Compared even for an unknown id, so timing does not tell which ids exist.
    const matches = clientSecretMatches(stored ?? 'unknown-client', credentials.secret)
    return stored !== undefined && matches ? credentials.id : undefined
  }
}

/** RFC 6749 §2.3.1 / RFC 7617: `Basic base64(urlencode(id) ":" urlencode(secret))`. */
function basicCredentials(
  authorization: string | undefined,
): { id: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(authorization?.trim() ?? '')
  if (match?.[1] === undefined) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    }
  } catch {
    return undefined
  }
}
