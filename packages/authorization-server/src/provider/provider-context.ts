import type { JWK } from 'jose'
import type { AuditEvent } from '@mandate/core'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import type { Users } from '../users/users.ts'

/** `Omit` applied to each member of a union (plain `Omit` would merge the members). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** Records an audit event; the server adds `time` and `issuer`. Never throws, never waits. */
export type AuditEmit = (event: DistributiveOmit<AuditEvent, 'time' | 'issuer'>) => void

/** The installation's random secrets, created once and sealed at rest (installation-secrets.ts). */
export interface InstallationSecrets {
  /** Signs oidc-provider's cookies and our pages' state. */
  readonly cookieSecret: string
  /** Derives the server-issued DPoP nonces (RFC 9449 §8). */
  readonly dpopNonceSecret: Buffer
}

/** What every part of the oidc-provider instance is built from (one per signing-key set). */
export interface ProviderContext {
  readonly config: AuthorizationServerConfig
  readonly users: Users
  readonly secrets: InstallationSecrets
  /** The current signing keys, the active one first (JWKS and token signing). */
  readonly keys: readonly JWK[]
  readonly emit: AuditEmit
}
