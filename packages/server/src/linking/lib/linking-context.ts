import { silentLogger } from '@mandate/core'
import type { AuditInput, Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { Vault } from '@mandate/vault'
import { LinkingError } from '../linking-error.ts'
import type { LinkingOptions } from '../linking-options.ts'
import type { SignedInUserResolver } from '../signed-in-user.ts'

/** The linking options with every default applied, resolved once by `createLinking`. */
export interface LinkingConfig {
  /** The public origin; connect URLs are `<baseUrl>/connect/<id>`. */
  readonly baseUrl: string
  /** The provider callback, registered at every provider (RFC 9700 §4.1.3: compared exactly). */
  readonly redirectUri: string
  readonly serverName: string
  readonly signedInUser: SignedInUserResolver
  readonly signInUrl: ((returnTo: string) => string) | undefined
  readonly ttlMs: number
  readonly logger: Logger
  readonly audit: (event: AuditInput) => void
  readonly now: () => number
}

/** Everything the linking flow works with: the store, the vault, the config, the HMAC secret. */
export interface LinkingContext {
  readonly store: Store
  readonly vault: Vault
  readonly config: LinkingConfig
  /** Keys the CSRF tokens and the MRTR `requestState` (installation-wide, kept in the store). */
  readonly secret: string
}

/**
 * Resolves and freezes the options.
 * @throws LinkingError `ERR_LINKING_CONFIG` when `baseUrl` is not a bare origin.
 */
export function resolveLinkingConfig(options: LinkingOptions): LinkingConfig {
  const base = URL.parse(options.baseUrl)
  if (base === null || base.origin !== options.baseUrl.replace(/\/$/, '')) {
    throw new LinkingError('ERR_LINKING_CONFIG', 'baseUrl must be an origin (scheme://host[:port])')
  }
  return Object.freeze({
    baseUrl: base.origin,
    redirectUri: `${base.origin}/connect/callback`,
    serverName: options.serverName,
    signedInUser: options.signedInUser,
    signInUrl: options.signInUrl,
    ttlMs: options.linkTtlMs ?? 600_000,
    logger: (options.logger ?? silentLogger).child({ component: 'linking' }),
    now: options.now ?? Date.now,
    audit: options.audit ?? (() => undefined),
  })
}

/** The provider's name for people (its catalog `display_name`), or its id. */
export function providerName(vault: Vault, provider: string): string {
  return vault.catalog.get(provider)?.display_name ?? provider
}
