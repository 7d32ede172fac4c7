import { silentLogger } from '@mandate/core'
import { getFreshCredential } from './credentials/get-fresh-credential.ts'
import type {
  CredentialDeclaration,
  FreshCredential,
  GetFreshCredentialInput,
} from './credentials/get-fresh-credential.ts'
import type { CredentialMetadata } from './credentials/credential-metadata.ts'
import { listCredentials } from './credentials/list-credentials.ts'
import { saveApiKey, saveOAuthCredential } from './credentials/save-credential.ts'
import type { SaveApiKeyInput, SaveOAuthCredentialInput } from './credentials/save-credential.ts'
import { setDefaultCredential } from './credentials/set-default-credential.ts'
import { unlinkCredential } from './credentials/unlink-credential.ts'
import type { UnlinkResult } from './credentials/unlink-credential.ts'
import type { KeyWrapper } from './keys/key-wrapper.ts'
import type { VaultContext } from './lib/context.ts'
import { ProviderEndpoints } from './lib/provider-endpoints.ts'
import { VaultKeys } from './lib/vault-keys.ts'
import { completeProviderAuthorization } from './linking/complete-provider-authorization.ts'
import type { CompleteProviderAuthorizationInput } from './linking/complete-provider-authorization.ts'
import { startProviderAuthorization } from './linking/start-provider-authorization.ts'
import type {
  ProviderAuthorizationRequest,
  StartProviderAuthorizationInput,
} from './linking/start-provider-authorization.ts'
import type { ProviderCatalog } from './providers/provider-catalog.ts'
import type { ProviderClient } from './providers/provider-definition.ts'
import { BackgroundRewrap } from './rotation/background-rewrap.ts'
import { rewrapRecords } from './rotation/rewrap-records.ts'
import type { RewrapOptions, RewrapReport } from './rotation/rewrap-records.ts'
import type { VaultOptions } from './vault-options.ts'

/** What one tool may read: only the providers (and scopes) it declared. */
export interface ToolVault {
  getFreshCredential(input: GetFreshCredentialInput): Promise<FreshCredential>
}

/**
 * The token vault: credentials sealed at rest, read per tool within its declaration, refreshed
 * when needed; the provider leg of account linking; key rotation.
 */
export interface Vault {
  readonly catalog: ProviderCatalog
  /**
   * The key wrapper the vault seals with (it follows rotations). Components that keep
   * secrets at rest seal them with it through `sealValue`, so that rotation, re-wrap and
   * retire cover them too.
   */
  readonly keys: KeyWrapper
  /** A reader restricted to the declared providers and scopes (catalogue #200). */
  forTool(declared: readonly CredentialDeclaration[]): ToolVault
  saveOAuthCredential(input: SaveOAuthCredentialInput): Promise<CredentialMetadata>
  saveApiKey(input: SaveApiKeyInput): Promise<CredentialMetadata>
  /** Metadata only: nothing lists or exports secrets. */
  listCredentials(sub: string): Promise<CredentialMetadata[]>
  setDefaultCredential(sub: string, id: string): Promise<void>
  unlinkCredential(sub: string, id: string): Promise<UnlinkResult>
  /** Stores a provider's client registration, vault-encrypted. */
  setProviderClient(provider: string, client: ProviderClient): Promise<void>
  startProviderAuthorization(
    input: StartProviderAuthorizationInput,
  ): Promise<ProviderAuthorizationRequest>
  completeProviderAuthorization(
    input: CompleteProviderAuthorizationInput,
  ): Promise<CredentialMetadata>
  /** The key version new writes use. */
  activeKeyVersion(): number
  /** Loads the key source again (done automatically when another instance rotates). */
  reloadKeys(): Promise<void>
  /** The resumable re-wrap job after a rotation. */
  rewrapRecords(options?: RewrapOptions): Promise<RewrapReport>
  /** Stops the background re-wrap and listening for changes. Does not close the store. */
  close(): Promise<void>
}

/**
 * Opens the vault over a store: loads and checks the keys (refusing keys that do not belong
 * to this database) and wires credentials, refresh, linking and rotation together.
 * @throws ConfigurationError when the keys do not match the database.
 * @example
 * ```ts
 * const vault = await openVault({
 *   store,
 *   keys: keyFileProvider('/var/lib/mandate/master.key'),
 *   catalog: createProviderCatalog({ presets: ['github'] }),
 * })
 * // A tool reads only what it declared (catalogue #200).
 * const github = vault.forTool([{ provider: 'github', scopes: ['repo'] }])
 * const credential = await github.getFreshCredential({ sub, provider: 'github' })
 * ```
 */
export async function openVault(options: VaultOptions): Promise<Vault> {
  const logger = options.logger ?? silentLogger
  const { store } = options
  const keys =
    'wrapper' in options.keys
      ? VaultKeys.fromWrapper(options.keys.wrapper, store, logger)
      : await VaultKeys.fromProvider(options.keys, store, logger)
  const endpoints = new ProviderEndpoints(store, keys, options.fetch, options.catalog)
  const audit = options.audit
  const ctx: VaultContext = {
    store,
    keys,
    logger,
    catalog: options.catalog,
    endpoints,
    audit: async (event) => {
      if (audit === undefined) {
        logger.info('vault event', { ...event })
        return
      }
      try {
        await audit(event)
      } catch (error) {
        logger.error('audit sink failed', { error, event: event.type })
      }
    },
    now: options.now ?? Date.now,
    refreshMarginMs: options.refreshMarginMs ?? 60_000,
    refreshTimeoutMs: options.refreshTimeoutMs ?? 10_000,
    cooldownBaseMs: options.cooldownBaseMs ?? 5_000,
    cooldownMaxMs: options.cooldownMaxMs ?? 300_000,
    inflight: new Map(),
  }
  const rewrap = new BackgroundRewrap(ctx)
  if (options.backgroundRewrap !== false) {
    keys.onActiveChange(() => {
      rewrap.schedule()
    })
    await rewrap.resumeIfNeeded()
  }
  return {
    catalog: options.catalog,
    keys,
    forTool: (declared) => {
      const frozen = declared.map((entry) => ({ ...entry, scopes: [...(entry.scopes ?? [])] }))
      return { getFreshCredential: (input) => getFreshCredential(ctx, frozen, input) }
    },
    saveOAuthCredential: (input) => saveOAuthCredential(ctx, input),
    saveApiKey: (input) => saveApiKey(ctx, input),
    listCredentials: (sub) => listCredentials(ctx, sub),
    setDefaultCredential: (sub, id) => setDefaultCredential(ctx, sub, id),
    unlinkCredential: (sub, id) => unlinkCredential(ctx, sub, id),
    setProviderClient: (provider, client) =>
      endpoints.setClient(ctx.catalog.require(provider).id, client),
    startProviderAuthorization: (input) => startProviderAuthorization(ctx, input),
    completeProviderAuthorization: (input) => completeProviderAuthorization(ctx, input),
    activeKeyVersion: () => keys.activeVersion(),
    reloadKeys: () => keys.reload(),
    rewrapRecords: (rewrap) => rewrapRecords(ctx, rewrap),
    close: async () => {
      keys.close()
      endpoints.close()
      await rewrap.stop()
    },
  }
}
