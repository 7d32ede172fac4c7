import type { AdminProviderInput, AdminProvidersService } from '@mandate/authorization-server'
import { ConfigurationError } from '@mandate/core'
import { PROVIDER_PRESETS } from '@mandate/vault'
import { entryFromFlags } from '../commands/providers/provider-flags.ts'
import {
  addProvider,
  knownProviders,
  registrationSealed,
  removeProvider,
  testProvider,
} from './provider-admin.ts'
import type { ProviderAdminContext } from './provider-admin.ts'

/**
 * The console form as `mandate providers add` flags: only these fields (never
 * `--definition-file`, which would read a file on the server).
 */
function flagsOf(input: AdminProviderInput): Record<string, string | boolean | undefined> {
  return {
    'client-id': input.clientId,
    ...(input.kind === 'preset' ? {} : { kind: input.kind }),
    'display-name': input.displayName,
    issuer: input.issuer,
    discovery: input.discovery === true,
    'authorization-endpoint': input.authorizationEndpoint,
    'token-endpoint': input.tokenEndpoint,
    'default-scopes': input.defaultScopes,
  }
}

/**
 * The operator console's providers section (`/admin/providers`), on the same code as
 * `mandate providers add|list|remove|test`: the client secret typed once is sealed in the
 * vault and never shown again. `changed` resolves once this process's catalog shows a change,
 * so that the console answers only when the provider is usable (or gone) here.
 */
export function providersService(
  ctx: ProviderAdminContext,
  changed: () => Promise<void> = () => Promise.resolve(),
): AdminProvidersService {
  return {
    presets: Object.keys(PROVIDER_PRESETS),
    async list() {
      const rows = []
      for (const { definition, source, clientId } of (await knownProviders(ctx)).values()) {
        const registration =
          definition.kind === 'api_key'
            ? ('not_needed' as const)
            : (await registrationSealed(ctx, definition.id))
              ? ('sealed' as const)
              : ('missing' as const)
        rows.push({
          id: definition.id,
          name: definition.display_name,
          kind: definition.kind,
          source,
          clientId,
          registration,
        })
      }
      return rows.sort((a, b) => a.id.localeCompare(b.id))
    },
    async add(input) {
      const entry = entryFromFlags(input.id, flagsOf(input))
      const definition = await addProvider(ctx, entry, () => {
        const secret = input.clientSecret?.trim() ?? ''
        if (secret === '')
          throw new ConfigurationError('providers', 'this provider needs a client secret')
        return Promise.resolve(secret)
      })
      await changed()
      return { id: definition.id }
    },
    async remove(id) {
      const { removed } = await removeProvider(ctx, id)
      if (removed) await changed()
      return removed
    },
    test: (id) => testProvider(ctx, id),
  }
}
