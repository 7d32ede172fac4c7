import type { Configuration } from 'oidc-provider'

type Validator = NonNullable<NonNullable<Configuration['extraClientMetadata']>['validator']>

/**
 * MCP clients register the scopes of the resource they target (RFC 7591 §2 `scope`), but
 * oidc-provider accepts only its OpenID scopes there and refuses the registration otherwise.
 * It also applies a client's `scope` as an allow-list to OpenID scopes only, never to resource
 * scopes (RFC 8707). So resource scopes are dropped from the client metadata: the registration
 * succeeds and the client may later ask for any scope of its resources (step-up), each grant
 * still going through consent. Runs once per client build (`extraClientMetadata.validator` is
 * called for each extra property; we act on `software_id`, always declared).
 */
export function dropResourceScopes(resourceScopes: ReadonlySet<string>): Validator {
  return (_ctx, key, _value, metadata) => {
    if (key !== 'software_id' || typeof metadata.scope !== 'string') return
    const requested = metadata.scope.split(' ').filter((s) => s !== '')
    const kept = new Set(requested.filter((s) => !resourceScopes.has(s)))
    if (kept.size === 0) {
      delete metadata.scope
      return
    }
    // A client of our resources may need `openid` later: step-up (`acr_values`, `max_age`,
    // RFC 9470 §4) is honoured by oidc-provider only with it.
    if (kept.size < requested.length) kept.add('openid')
    metadata.scope = [...kept].join(' ')
  }
}
