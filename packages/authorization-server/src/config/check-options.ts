import type { ClientMetadata } from 'oidc-provider'
import { AuthorizationServerError } from '../errors.ts'
import type { AuthorizationServerOptions } from '../options.ts'
import type { ResourceRegistry } from './resource-registry.ts'

/**
 * The issuer identifier (RFC 8414 §2): an absolute URL without query or fragment, and here an
 * origin, because every endpoint and cookie path derives from it. Returns the parsed URL.
 */
export function checkIssuer(issuer: string): URL {
  const url = URL.parse(issuer)
  if (url === null || url.search !== '' || url.hash !== '' || issuer.endsWith('/')) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      'issuer must be an absolute URL without query, fragment or trailing slash',
    )
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      'issuer must not have a path (serve the authorization server at the root of its origin)',
    )
  }
  return url
}

/** One way to encrypt data at rest (the vault's envelope): no key wrapper, no server. */
export function checkKeyWrapper(options: AuthorizationServerOptions): void {
  if ((options.keys as AuthorizationServerOptions['keys'] | undefined) === undefined) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      'keys is required: pass the vault key wrapper that seals secrets at rest',
    )
  }
}

/**
 * Only an operator-configured confidential client may introspect a resource's tokens (RFC 7662
 * §4, catalogue #48): a public, dynamically registered or unknown client named in
 * `introspectionClients` is a configuration error.
 */
export function checkIntrospectionClients(
  registry: ResourceRegistry,
  clients: readonly ClientMetadata[],
): void {
  const confidential = new Set(
    clients
      .filter((client) => (client.token_endpoint_auth_method ?? 'none') !== 'none')
      .map((client) => client.client_id),
  )
  for (const resource of registry.list) {
    for (const clientId of resource.introspectionClients) {
      if (!confidential.has(clientId)) {
        throw new AuthorizationServerError(
          'ERR_AS_CONFIG',
          `introspectionClients of ${resource.url}: "${clientId}" is not a configured confidential client`,
        )
      }
    }
  }
}
