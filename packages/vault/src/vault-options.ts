import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { KeyProvider } from './keys/key-ring.ts'
import type { KeyWrapper } from './keys/key-wrapper.ts'
import type { ProviderCatalog } from './providers/provider-catalog.ts'

/** What `openVault` needs: the store, the key source, the provider catalog, and tuning. */
export interface VaultOptions {
  store: Store
  /** Where the key-encryption keys come from: the key file (default) or the environment. */
  keys: KeyProvider | { wrapper: KeyWrapper }
  catalog: ProviderCatalog
  logger?: Logger
  /** Receives security events (needs_reauth, unlink, rotation…); never carries a secret. */
  audit?: (event: VaultAuditEvent) => void | Promise<void>
  /** Refresh this long before `expires_at`. Default 60 s. */
  refreshMarginMs?: number
  /** Time limit of one call to a provider's token endpoint. Default 10 s. */
  refreshTimeoutMs?: number
  /** First cooldown after a failed refresh, doubled per failure up to `cooldownMaxMs`. Default 5 s. */
  cooldownBaseMs?: number
  /** Default 5 min. */
  cooldownMaxMs?: number
  /** Outbound HTTP for provider calls (an egress-guarded fetch). Default global fetch. */
  fetch?: typeof fetch
  /** Re-wrap records in the background after a rotation (and resume at start). Default true. */
  backgroundRewrap?: boolean
  /** Clock, for tests. */
  now?: () => number
}

/** The kinds of vault event sent to the audit sink. */
export type VaultAuditEventType =
  | 'vault.credential.linked'
  | 'vault.credential.refreshed'
  | 'vault.credential.needs_reauth'
  | 'vault.credential.refresh_failed'
  | 'vault.credential.unlinked'
  | 'vault.credential.revocation_failed'
  | 'vault.key.rotated'
  | 'vault.key.rewrapped'
  | 'vault.key.retired'

/** A vault event for the audit log: identifiers and reasons only, never a secret. */
export interface VaultAuditEvent {
  type: VaultAuditEventType
  sub?: string
  provider?: string
  credential_id?: string
  key_version?: number
  /** A short machine-readable reason, e.g. `invalid_grant`. */
  reason?: string
  count?: number
}
