import type { ToolRequirement } from '@mandate/server'
import type { CompiledUpstream } from '../front/gateway-core.ts'

/**
 * Requirements the HTTP layer can enforce with a step-up challenge (403 insufficient_scope,
 * 401 insufficient_user_authentication): allow rules naming exact tools, with no condition,
 * that no earlier rule could pre-empt. Everything else is decided by policy in the call.
 */
export function stepUpRequirements(
  upstreams: readonly CompiledUpstream[],
): Record<string, ToolRequirement> {
  const map: Record<string, ToolRequirement> = {}
  for (const upstream of upstreams) {
    upstream.rules.forEach((compiled, index) => {
      const { rule } = compiled
      if (rule.action !== 'allow' || rule.when !== undefined || rule.tools === undefined) return
      for (const tool of rule.tools) {
        if (tool.includes('*')) continue
        if (upstream.rules.slice(0, index).some((earlier) => earlier.matchesTool(tool))) continue
        map[`${upstream.prefix}${tool}`] = {
          ...(rule.scopes === undefined ? {} : { scopes: rule.scopes }),
          ...(rule.acr === undefined ? {} : { acr: rule.acr }),
          ...(rule.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: rule.maxAgeSeconds }),
        }
      }
    })
  }
  return map
}
