import type { AuditEvent } from '@mandate/core'
import type { VaultAuditEvent } from '@mandate/vault'
import type { AuditTrail } from '../audit/open-audit-trail.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { Runtime } from '../runtime/open-runtime.ts'

/** What every step of `composeComponents` reads, fixed once the public URL is known. */
export interface ComposeContext {
  readonly runtime: Runtime
  /** The origin clients use; its origin is the issuer. */
  readonly publicUrl: URL
  /** Where this process listens, for calls to itself (the demo's key set, gateway exchanges). */
  readonly listenUrl: URL
  readonly issuer: string
  /** The demo notes server's resource (`<publicUrl>/mcp`), whether or not the demo is on. */
  readonly demoResource: string
  readonly metrics: Metrics | undefined
  /** The one audit pipeline: stored, hash-chained, fail-closed (docs/audit.md). */
  readonly trail: AuditTrail
  readonly audit: (event: AuditEvent | VaultAuditEvent) => void
  /** Registers a component to close; components close in the reverse order of opening. */
  onClose(closer: () => Promise<void>): void
}
