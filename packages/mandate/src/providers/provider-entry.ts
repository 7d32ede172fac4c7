import { ConfigurationError } from '@mandate/core'
import { PROVIDER_PRESETS, validateProvider } from '@mandate/vault'
import type { ProviderDefinition } from '@mandate/vault'

/**
 * One provider as the configuration or `mandate providers add` gives it: a preset by name or a
 * full definition, with the id of the client registered there. Never holds the client secret.
 */
export type ProviderEntry =
  | { preset: string; clientId?: string | undefined }
  | { definition: Record<string, unknown>; clientId?: string | undefined }

/**
 * The vault definition of an entry: the preset, or the operator's definition checked by
 * `validateProvider` (https endpoints, known enumerations).
 * @throws ConfigurationError naming the provider and the field at fault.
 */
export function resolveProviderEntry(entry: ProviderEntry, where: string): ProviderDefinition {
  if ('preset' in entry) {
    const preset = PROVIDER_PRESETS[entry.preset]
    if (preset === undefined) {
      throw new ConfigurationError(
        where,
        `${where}: no preset "${entry.preset}" (presets: ${Object.keys(PROVIDER_PRESETS).join(', ')})`,
      )
    }
    return structuredClone(preset)
  }
  try {
    return validateProvider(structuredClone(entry.definition) as unknown as ProviderDefinition)
  } catch (error) {
    throw new ConfigurationError(where, `${where}: ${(error as Error).message}`)
  }
}

/** Whether a provider needs a client registration (OAuth) and a secret (not `none`). */
export function needsClientSecret(definition: ProviderDefinition): boolean {
  return definition.kind !== 'api_key' && definition.token_endpoint_auth_method !== 'none'
}
