import { VaultError } from '../errors.ts'
import { PROVIDER_PRESETS } from './presets.ts'
import type { ProviderDefinition } from './provider-definition.ts'
import { validateProvider } from './validate-provider.ts'

/** The providers an installation offers: curated presets plus operator-defined ones. */
export interface ProviderCatalog {
  get(id: string): ProviderDefinition | undefined
  /** @throws VaultError `ERR_VAULT_PROVIDER_UNKNOWN`. */
  require(id: string): ProviderDefinition
  list(): ProviderDefinition[]
  /**
   * For a catalog whose providers change while the vault runs (an operator adds or removes
   * one): calls `listener` after each change, so that the vault drops what it cached about
   * providers (discovered metadata, client registrations). Returns the unsubscribe function.
   */
  onChange?(listener: () => void): () => void
}

/** Which providers an installation offers: presets and operator definitions. */
export interface ProviderCatalogOptions {
  /** Preset ids to offer (`true`: all of them). Default none. */
  presets?: readonly string[] | true
  /** Operator-defined providers (generic OAuth 2.0, OIDC, API keys); validated here. */
  providers?: readonly ProviderDefinition[]
}

/**
 * Builds the catalog, validating every operator-defined provider; an operator entry with a
 * preset's id replaces the preset.
 * @throws VaultError `ERR_VAULT_PROVIDER_INVALID`, `ERR_VAULT_PROVIDER_UNKNOWN` (preset).
 */
export function createProviderCatalog(options: ProviderCatalogOptions = {}): ProviderCatalog {
  const entries = new Map<string, ProviderDefinition>()
  const presetIds =
    options.presets === true ? Object.keys(PROVIDER_PRESETS) : (options.presets ?? [])
  for (const id of presetIds) {
    const preset = PROVIDER_PRESETS[id]
    if (preset === undefined)
      throw new VaultError('ERR_VAULT_PROVIDER_UNKNOWN', `no preset "${id}"`)
    entries.set(id, preset)
  }
  for (const definition of options.providers ?? []) {
    entries.set(definition.id, validateProvider(structuredClone(definition)))
  }
  return {
    get: (id) => entries.get(id),
    require: (id) => {
      const found = entries.get(id)
      if (found === undefined) {
        throw new VaultError('ERR_VAULT_PROVIDER_UNKNOWN', `unknown provider "${id}"`)
      }
      return found
    },
    list: () => [...entries.values()],
  }
}
