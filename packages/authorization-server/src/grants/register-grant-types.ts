import type Provider from 'oidc-provider'
import { registerIdJagGrant } from '../enterprise/id-jag-grant.ts'
import type { ProviderContext } from '../provider/provider-context.ts'
import { registerTokenExchange } from '../token-exchange/token-exchange-grant.ts'
import { registerClientCredentials } from './client-credentials.ts'

/**
 * The grant types we add to oidc-provider's own (authorization code, refresh token): RFC 8693
 * token exchange, client credentials (RFC 6749 §4.4) and the RFC 7523 JWT bearer grant for
 * ID-JAGs (registered only when an enterprise IdP is trusted).
 */
export function registerGrantTypes(provider: Provider, context: ProviderContext): void {
  registerTokenExchange(provider, context)
  registerClientCredentials(provider, context)
  registerIdJagGrant(provider, context)
}
