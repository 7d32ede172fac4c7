import type Provider from 'oidc-provider'
import { revocationAudit } from '../revocation/revocation-audit.ts'
import { boundedJsonBody } from './bounded-json-body.ts'
import { dcrRateLimit } from './dcr-rate-limit.ts'
import { discoveryScopes } from './discovery-scopes.ts'
import { issuerOrigin } from './issuer-origin.ts'
import { jwtTokenAlias } from './jwt-token-alias.ts'
import type { ProviderContext } from './provider-context.ts'

/**
 * Our Koa middleware in front of oidc-provider's endpoints, in order: every request seen with
 * the issuer's origin, JSON bodies bounded, DCR rate-limited and checked, JWT access tokens
 * aliased for introspection and revocation, resource scopes in discovery, revocations audited.
 */
export function installMiddleware(provider: Provider, { config, emit }: ProviderContext): void {
  provider.use(issuerOrigin(config.issuer))
  provider.use(boundedJsonBody())
  provider.use(dcrRateLimit(config))
  provider.use(jwtTokenAlias())
  provider.use(discoveryScopes(config.resourceRegistry))
  provider.use(revocationAudit(emit))
}
