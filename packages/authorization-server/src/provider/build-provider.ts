import Provider from 'oidc-provider'
import { registerGrantTypes } from '../grants/register-grant-types.ts'
import { attachAuditListeners } from './audit-listeners.ts'
import { exactRedirectUris, noTokensForSignInClient } from './client-rules.ts'
import { protectClientSecrets } from './client-secrets.ts'
import { extendDcrClientLifetimes } from './dcr.ts'
import { guardErrorRedirects } from './error-redirects.ts'
import { installMiddleware } from './install-middleware.ts'
import { providerConfiguration } from './provider-configuration.ts'
import type { ProviderContext } from './provider-context.ts'
import { watchReplayRevocations } from './token-reuse.ts'

/** One part of the server installed on a new oidc-provider instance. */
export type ProviderStep = (provider: Provider, context: ProviderContext) => void

/**
 * What is installed on each new instance, in order: listeners run in the order they were added
 * and Koa middleware in the order it was `use`d (client secrets' response filter goes last).
 */
export const PROVIDER_STEPS: readonly ProviderStep[] = [
  errorRedirectGuard,
  exactRedirectUris,
  noTokensForSignInClient,
  registerGrantTypes,
  auditListeners,
  watchReplayRevocations,
  extendDcrClientLifetimes,
  installMiddleware,
  protectClientSecrets,
]

/**
 * Builds the oidc-provider instance that does the protocol work: its configuration
 * (provider-configuration.ts), then {@link PROVIDER_STEPS}. A new instance is built whenever the
 * signing keys change.
 */
export function buildProvider(context: ProviderContext): Provider {
  const provider = new Provider(context.config.issuer, providerConfiguration(context))
  provider.proxy = context.config.trustProxy
  for (const step of PROVIDER_STEPS) step(provider, context)
  return provider
}

function errorRedirectGuard(provider: Provider, { config }: ProviderContext): void {
  guardErrorRedirects(provider, config)
}

function auditListeners(provider: Provider, { config, emit }: ProviderContext): void {
  attachAuditListeners(provider, emit, config.logger)
}
