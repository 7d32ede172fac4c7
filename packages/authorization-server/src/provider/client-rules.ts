import type Provider from 'oidc-provider'
import { redirectUriMatches } from '../clients/loopback-redirect.ts'
import { ACCOUNT_CLIENT_ID } from './account-client.ts'

/**
 * Redirect URIs compare as exact strings (RFC 9700 §2.1, catalogue #1); a native client's
 * loopback redirect may vary only its port (RFC 8252 §7.3, catalogue #2). oidc-provider's own
 * check also lets `localhost` vary, which RFC 8252 §8.3 advises against.
 */
export function exactRedirectUris(provider: Provider): void {
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value: string) {
    return redirectUriMatches(this.redirectUris ?? [], value, this.applicationType === 'native')
  }
}

/**
 * The internal sign-in client never uses the token endpoint (its codes are destroyed on
 * arrival): every grant type is refused for it there, refresh tokens and offline_access too.
 * (oidc-provider's own check is `grantTypes.includes(type)`.)
 */
export function noTokensForSignInClient(provider: Provider): void {
  provider.Client.prototype.grantTypeAllowed = function grantTypeAllowed(type: string) {
    return this.clientId !== ACCOUNT_CLIENT_ID && (this.grantTypes?.includes(type) ?? false)
  }
}
