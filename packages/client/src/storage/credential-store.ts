import type {
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client'
import type { JWK } from 'jose'

/** What a host keeps about one MCP server, encrypted at rest by the store. */
export interface ServerCredentials {
  /** Client registrations keyed by authorization-server `issuer` (RFC 6749 §2.2). */
  clients: Record<string, StoredOAuthClientInformation>
  /** Token sets keyed by `issuer`; `expires_at` is seconds since the epoch. */
  tokens: Record<string, StoredOAuthTokens & { expires_at?: number; dpop_jkt?: string }>
  /** The issuer whose tokens were saved last (what the transport presents). */
  latestIssuer?: string
  /**
   * The issuer a pre-registered client without an `issuer` was first used with: from then on it
   * belongs to that authorization server only (SEP-2352; RFC 6749 §2.2).
   */
  preRegisteredIssuer?: string
  discovery?: OAuthDiscoveryState
  /** Private DPoP key (JWK), only when the host opted into persistent DPoP keys. */
  dpopPrivateJwk?: JWK
}

/**
 * Where a host keeps credentials. The default is {@link createEncryptedFileStore}; an OS keychain
 * or a host's own secure storage implements this interface.
 */
export interface CredentialStore {
  load(serverKey: string): Promise<ServerCredentials | undefined>
  save(serverKey: string, credentials: ServerCredentials): Promise<void>
  delete(serverKey: string): Promise<void>
}

/** A store that forgets everything when the process exits (tests, ephemeral hosts). */
export function createMemoryStore(): CredentialStore {
  const entries = new Map<string, string>()
  return {
    load: (key) => {
      const value = entries.get(key)
      return Promise.resolve(
        value === undefined ? undefined : (JSON.parse(value) as ServerCredentials),
      )
    },
    save: (key, credentials) => {
      entries.set(key, JSON.stringify(credentials))
      return Promise.resolve()
    },
    delete: (key) => {
      entries.delete(key)
      return Promise.resolve()
    },
  }
}
