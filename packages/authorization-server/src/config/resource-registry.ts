import { canonicalUrl } from '@mandate/core'
import { AuthorizationServerError } from '../errors.ts'
import type { ProtectedResourceOptions } from '../options.ts'
import { checkAccessTokenSeconds } from './check-lifetime.ts'
import { frozen } from './frozen.ts'

/** A configured protected resource (RFC 8707) with every default filled in. */
export interface ConfiguredResource extends ProtectedResourceOptions {
  /** The resource URL as configured: the `aud` of every token minted for it. */
  readonly url: string
  /** Its canonical form (`canonicalUrl` of `@mandate/core`), the key every lookup compares. */
  readonly canonical: string
  readonly scopes: string[]
  readonly defaultScopes: string[]
  readonly accessTokenTtlSeconds: number
  readonly introspectionClients: string[]
}

/**
 * The one place a resource indicator, audience or policy entry is turned into a configured
 * resource. Lookups compare canonical URLs (RFC 3986 §6.2, as the resource server compares a
 * token's audience): case of scheme and host, a default port and one trailing slash do not
 * matter, a different path always does (`/mcp` never names `/mcp-admin`).
 */
export interface ResourceRegistry {
  /** Every configured resource, in configuration order. */
  readonly list: readonly ConfiguredResource[]
  /** Every scope of every resource, distinct, in configuration order. */
  readonly scopes: readonly string[]
  /** The resource of a request naming neither `resource` nor `scope` (RFC 8707 §2), if any. */
  readonly defaultResource: ConfiguredResource | undefined
  /** The configured resource `indicator` names, or `undefined` (RFC 8707 `invalid_target`). */
  find(indicator: string | undefined): ConfiguredResource | undefined
}

/**
 * Builds the registry from the `resources` option, refusing (`ERR_AS_CONFIG`) a resource that is
 * not an absolute http(s) URL without fragment, two entries naming the same canonical resource,
 * `defaultScopes` outside a resource's `scopes` and a `defaultResource` that is not configured.
 */
export function createResourceRegistry(
  resources: Readonly<Record<string, ProtectedResourceOptions>>,
  accessTokenSeconds: number,
  defaultResource: string | undefined,
): ResourceRegistry {
  const byCanonical = new Map<string, ConfiguredResource>()
  for (const [url, options] of Object.entries(resources)) {
    const resource = configuredResource(url, options, accessTokenSeconds)
    if (byCanonical.has(resource.canonical)) {
      throw new AuthorizationServerError('ERR_AS_CONFIG', `resource ${url} is configured twice`)
    }
    byCanonical.set(resource.canonical, resource)
  }
  // A resource named exactly as configured (the usual case, on every token request) needs no
  // URL parsing: its canonical form is the configured one by construction.
  const byUrl = new Map([...byCanonical.values()].map((resource) => [resource.url, resource]))
  const find = (indicator: string | undefined): ConfiguredResource | undefined => {
    // RFC 8707 §2: a resource indicator never carries a fragment.
    if (indicator === undefined || indicator.includes('#')) return undefined
    const exact = byUrl.get(indicator)
    if (exact !== undefined) return exact
    const key = canonicalUrl(indicator)
    return key === undefined ? undefined : byCanonical.get(key)
  }
  const list = Object.freeze([...byCanonical.values()])
  return Object.freeze({
    list,
    scopes: Object.freeze([...new Set(list.flatMap((resource) => resource.scopes))]),
    defaultResource: pickDefaultResource(list, defaultResource, find),
    find,
  })
}

function configuredResource(
  url: string,
  options: ProtectedResourceOptions,
  accessTokenSeconds: number,
): ConfiguredResource {
  const parsed = URL.parse(url)
  const canonical = canonicalUrl(url)
  if (parsed === null || parsed.hash !== '' || canonical === undefined) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      'each resource must be an absolute http(s) URL without fragment',
    )
  }
  const defaultScopes = options.defaultScopes ?? options.scopes
  if (defaultScopes.some((scope) => !options.scopes.includes(scope))) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      `defaultScopes of ${url} must be among its scopes`,
    )
  }
  return Object.freeze({
    url,
    canonical,
    scopes: frozen(options.scopes),
    defaultScopes: frozen(defaultScopes),
    accessTokenTtlSeconds: checkAccessTokenSeconds(
      options.accessTokenTtlSeconds ?? accessTokenSeconds,
      `accessTokenTtlSeconds of ${url}`,
    ),
    introspectionClients: frozen(options.introspectionClients ?? []),
  })
}

/** Configured `defaultResource`, else the only resource when there is exactly one. */
function pickDefaultResource(
  list: readonly ConfiguredResource[],
  configured: string | undefined,
  find: ResourceRegistry['find'],
): ConfiguredResource | undefined {
  if (configured === undefined) return list.length === 1 ? list[0] : undefined
  const resource = find(configured)
  if (resource === undefined) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      'defaultResource must be a configured resource',
    )
  }
  return resource
}

/** Whether a policy's list of resource URLs names `resource` (canonical comparison). */
export function listsResource(urls: readonly string[], resource: ConfiguredResource): boolean {
  return urls.some((url) => canonicalUrl(url) === resource.canonical)
}

/** The value a policy's resource URL → value record holds for `resource` (canonical comparison). */
export function entryForResource<T>(
  record: Readonly<Record<string, T>>,
  resource: ConfiguredResource,
): T | undefined {
  return Object.entries(record).find(([url]) => canonicalUrl(url) === resource.canonical)?.[1]
}
