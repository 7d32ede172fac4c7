import type { Vault } from '@mandate/vault'
import type { Metrics } from './metrics.ts'
import { inSpan } from './tracing.ts'

/** The vault, with each credential read for a tool counted and traced (`vault.read`). */
export function observeVault(vault: Vault, metrics: Metrics): Vault {
  const forTool: Vault['forTool'] = (declared) => {
    const tool = vault.forTool(declared)
    return {
      getFreshCredential: (input) =>
        inSpan('vault.read', () => tool.getFreshCredential(input)).then(
          (credential) => {
            metrics.vaultRead('ok')
            return credential
          },
          (error: unknown) => {
            metrics.vaultRead('error')
            throw error
          },
        ),
    }
  }
  return new Proxy(vault, {
    get(target, property) {
      if (property === 'forTool') return forTool
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
}
