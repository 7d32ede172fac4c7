import { readFileSync } from 'node:fs'
import { ConfigurationError } from '@mandate/core'
import type { Logger } from '@mandate/core'
import { listProviders } from '@mandate/store'
import type { Store } from '@mandate/store'
import type { ProviderClient, ProviderDefinition } from '@mandate/vault'
import type { MandateConfig } from '../config/schema.ts'
import { needsClientSecret, resolveProviderEntry } from './provider-entry.ts'
import type { ProviderEntry } from './provider-entry.ts'

/** The providers of this installation: from the configuration and from `mandate providers add`. */
export interface LoadedProviders {
  definitions: ProviderDefinition[]
  /** Client registrations from the configuration, to store (sealed) at start. */
  configClients: Map<string, ProviderClient>
  /** Where each provider came from: `configuration` or `database`. */
  sources: Map<string, 'configuration' | 'database'>
}

/**
 * The providers `mandate serve` offers: those registered with `mandate providers add` (their
 * secrets are already sealed in the vault) and those in the configuration, which win on the
 * same id. Fails closed on an entry that does not resolve.
 * @throws ConfigurationError naming the provider.
 */
export async function loadProviders(
  config: MandateConfig,
  store: Store,
  logger: Logger,
): Promise<LoadedProviders> {
  const definitions = new Map<string, ProviderDefinition>()
  const sources = new Map<string, 'configuration' | 'database'>()
  for (const row of await listProviders(store)) {
    const where = `provider ${row.id} (mandate providers)`
    const definition = resolveProviderEntry(JSON.parse(row.definition) as ProviderEntry, where)
    definitions.set(definition.id, definition)
    sources.set(definition.id, 'database')
  }
  const configClients = new Map<string, ProviderClient>()
  config.providers.forEach((entry, index) => {
    const where = `providers.${String(index)}`
    const definition = resolveProviderEntry(entry, where)
    if (sources.get(definition.id) === 'database') {
      logger.warn('provider in the configuration replaces the registered one', {
        provider: definition.id,
      })
    }
    definitions.set(definition.id, definition)
    sources.set(definition.id, 'configuration')
    if (definition.kind === 'api_key') return
    if (entry.clientId === undefined) {
      throw new ConfigurationError(where, `${where}: clientId is required for an OAuth provider`)
    }
    const client: ProviderClient = { client_id: entry.clientId }
    if (needsClientSecret(definition)) {
      if (entry.clientSecretFile === undefined) {
        throw new ConfigurationError(where, `${where}: clientSecretFile is required`)
      }
      client.client_secret = readSecretFile(entry.clientSecretFile, where)
    }
    configClients.set(definition.id, client)
  })
  return { definitions: [...definitions.values()], configClients, sources }
}

/** The first line of a secret file; the error names the file, never its content. */
export function readSecretFile(path: string, where: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigurationError(
      where,
      `${where}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    )
  }
  const secret = (text.split(/\r?\n/)[0] ?? '').trim()
  if (secret === '') throw new ConfigurationError(where, `${where}: ${path} is empty`)
  return secret
}
