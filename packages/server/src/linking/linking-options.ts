import type { AuditInput, Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type { Vault } from '@mandate/vault'
import type { SignedInUserResolver } from './signed-in-user.ts'

/** What {@link createLinking} needs: where links live, who is signed in, how long links last. */
export interface LinkingOptions {
  store: Store
  vault: Vault
  /** The server's public origin (`https://notes.example.com`); connect URLs live under it. */
  baseUrl: string
  /** Shown on the connect page: which server asks. */
  serverName: string
  /** Who is signed in in the browser (the authorization server's session). */
  signedInUser: SignedInUserResolver
  /** Where to send a browser that is not signed in (it must come back to `returnTo`). */
  signInUrl?: (returnTo: string) => string
  /** How long a connect link stays valid. Default 10 minutes. */
  linkTtlMs?: number
  logger?: Logger
  /**
   * Receives what people do on the linked-accounts page (`linking.relink_started`,
   * `linking.request_cancelled`): identifiers only, never a secret or a link id.
   */
  audit?: (event: AuditInput) => void
  now?: () => number
}
