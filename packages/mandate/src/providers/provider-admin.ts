import { ConfigurationError } from '@mandate/core'
import { deleteProvider, getVaultProviderSecret, listProviders, putProvider } from '@mandate/store'
import { createProviderCatalog, openVault } from '@mandate/vault'
import type { ProviderClient, ProviderDefinition } from '@mandate/vault'
import type { DeletedProvider } from '@mandate/store'
import type { MandateConfig } from '../config/schema.ts'
import type { Runtime } from '../runtime/open-runtime.ts'
import { checkProvider } from './check-provider.ts'
import { announceProvidersChanged } from './live-providers.ts'
import type { ProviderCheck } from './check-provider.ts'
import { needsClientSecret, resolveProviderEntry } from './provider-entry.ts'
import type { ProviderEntry } from './provider-entry.ts'
import { providerFetch } from './provider-fetch.ts'

/**
 * What `mandate providers add|list|remove|test` and the operator console's providers section
 * both work with: the store, the key provider (to seal client secrets), the configuration.
 */
export type ProviderAdminContext = Pick<Runtime, 'store' | 'keyProvider' | 'logger' | 'config'>

/** A provider of this installation: its definition, where it comes from, its client id. */
export interface KnownProvider {
  definition: ProviderDefinition
  source: 'database' | 'configuration'
  clientId: string | null
}

/** Registered (`mandate providers add`) and configured providers; configured ones win an id. */
export async function knownProviders(
  ctx: Pick<ProviderAdminContext, 'store' | 'config'>,
): Promise<Map<string, KnownProvider>> {
  const found = new Map<string, KnownProvider>()
  for (const row of await listProviders(ctx.store)) {
    const entry = JSON.parse(row.definition) as ProviderEntry
    const definition = resolveProviderEntry(entry, `provider ${row.id}`)
    found.set(row.id, { definition, source: 'database', clientId: row.client_id })
  }
  const config: MandateConfig = ctx.config
  config.providers.forEach((entry, index) => {
    const definition = resolveProviderEntry(entry, `providers.${String(index)}`)
    found.set(definition.id, {
      definition,
      source: 'configuration',
      clientId: entry.clientId ?? null,
    })
  })
  return found
}

/**
 * Registers a provider: the definition is resolved and checked, an OAuth provider's client
 * secret (asked for only when it needs one) is sealed through the vault first, so that a
 * registered provider always has one; then the entry is stored and the change announced, so
 * that every running `mandate serve` offers it at once (SQLite: within one timed read).
 * @throws ConfigurationError for an invalid entry or a missing client id or secret.
 */
export async function addProvider(
  ctx: ProviderAdminContext,
  entry: ProviderEntry,
  secret: (definition: ProviderDefinition) => Promise<string>,
): Promise<ProviderDefinition> {
  const definition = resolveProviderEntry(entry, 'providers add')
  let client: ProviderClient | undefined
  if (definition.kind !== 'api_key') {
    if (entry.clientId === undefined || entry.clientId === '') {
      throw new ConfigurationError(
        'providers',
        'a client id (--client-id) is required for an OAuth provider',
      )
    }
    client = { client_id: entry.clientId }
    if (needsClientSecret(definition)) client.client_secret = await secret(definition)
  }
  if (client !== undefined) {
    const vault = await openVault({
      store: ctx.store,
      keys: ctx.keyProvider,
      catalog: createProviderCatalog({ providers: [definition] }),
      logger: ctx.logger.child({ component: 'vault' }),
      backgroundRewrap: false,
    })
    try {
      await vault.setProviderClient(definition.id, client)
    } finally {
      await vault.close()
    }
  }
  await putProvider(ctx.store, {
    id: definition.id,
    definition: JSON.stringify('preset' in entry ? { preset: entry.preset } : entry),
    client_id: client?.client_id ?? null,
  })
  await announceProvidersChanged(ctx.store, definition.id)
  return definition
}

/**
 * Unregisters a provider added with `mandate providers add` or in the console, with its client
 * registration, every user's linked account and every pending link of it (one transaction:
 * no instance hands out one of its credentials after this returns), then announces the change.
 * The tokens are not revoked at the provider (docs/linking.md). A provider the configuration
 * also defines keeps its registration and accounts: the configured one stays offered.
 */
export async function removeProvider(
  ctx: Pick<ProviderAdminContext, 'store' | 'config'>,
  id: string,
): Promise<DeletedProvider> {
  const configured = ctx.config.providers.some((entry, index) => {
    const definition = resolveProviderEntry(entry, `providers.${String(index)}`)
    return definition.id === id
  })
  const deleted = await deleteProvider(ctx.store, id, { keepVaultRecords: configured })
  if (deleted.removed) await announceProvidersChanged(ctx.store, id)
  return deleted
}

/** Whether the provider's client registration is sealed in the vault (never the secret). */
export async function registrationSealed(
  ctx: Pick<ProviderAdminContext, 'store'>,
  id: string,
): Promise<boolean> {
  return (await getVaultProviderSecret(ctx.store, id)) !== undefined
}

/**
 * `mandate providers test <id>`: the provider's metadata and endpoints (checkProvider) and its
 * client registration; undefined for an unknown provider.
 */
export async function testProvider(
  ctx: Pick<ProviderAdminContext, 'store' | 'config'>,
  id: string,
): Promise<ProviderCheck[] | undefined> {
  const found = (await knownProviders(ctx)).get(id)
  if (found === undefined) return undefined
  const { definition } = found
  if (definition.kind === 'api_key') {
    return [
      {
        ok: true,
        what: 'kind',
        detail: 'an API-key provider; users type their key on the connect page',
      },
    ]
  }
  const checks = await checkProvider(definition, providerFetch([definition]))
  const sealed = await registrationSealed(ctx, id)
  checks.push({
    ok: sealed || found.source === 'configuration',
    what: 'client registration',
    detail: sealed
      ? 'sealed in the vault'
      : found.source === 'configuration'
        ? 'stored when "mandate serve" starts'
        : 'missing',
  })
  return checks
}
