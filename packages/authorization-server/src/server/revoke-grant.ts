import type Provider from 'oidc-provider'

/**
 * Deletes the grant and every code and token under it (all models share the adapter); JWT access
 * tokens, which are not stored, are refused from now on by the revocation log (the adapter
 * announces the grant as revoked).
 */
export async function revokeGrantEverywhere(provider: Provider, grantId: string): Promise<void> {
  await Promise.all([
    provider.AccessToken.adapter.revokeByGrantId(grantId),
    provider.RefreshToken.adapter.revokeByGrantId(grantId),
    provider.AuthorizationCode.adapter.revokeByGrantId(grantId),
    provider.Grant.adapter.destroy(grantId),
  ])
}
