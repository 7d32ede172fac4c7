import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { ProviderCatalog } from '../providers/provider-catalog.ts'
import type { VaultAuditEvent } from '../vault-options.ts'
import type { VaultKeys } from './vault-keys.ts'
import type { ProviderEndpoints } from './provider-endpoints.ts'

/** What every vault operation works with; built once by `openVault`. */
export interface VaultContext {
  readonly store: Store
  readonly keys: VaultKeys
  readonly logger: Logger
  readonly catalog: ProviderCatalog
  readonly endpoints: ProviderEndpoints
  readonly audit: (event: VaultAuditEvent) => Promise<void>
  readonly now: () => number
  readonly refreshMarginMs: number
  readonly refreshTimeoutMs: number
  readonly cooldownBaseMs: number
  readonly cooldownMaxMs: number
  /** In-process single flight: one refresh promise per credential id. */
  readonly inflight: Map<string, Promise<unknown>>
}
