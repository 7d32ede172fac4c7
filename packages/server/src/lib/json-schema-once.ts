import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server'

type Convert = (options: { target: string; libraryOptions?: Record<string, unknown> }) => unknown

/**
 * The same Standard Schema, with its JSON Schema conversion (`~standard.jsonSchema`) done once
 * per target instead of once per request: the SDK serves each request on a fresh `McpServer`
 * whose per-server memo starts empty, and `tools/call` converts the input schema again (for the
 * SEP-2243 header check). Validation is the schema's own. Results are deep-frozen, as every
 * request shares them; schemas without the JSON extension are returned as they are.
 */
export function withJsonSchemaOnce<S>(schema: S): S {
  const std = (schema as Partial<StandardSchemaWithJSON> | undefined)?.['~standard']
  const json = std?.jsonSchema as { input?: unknown; output?: unknown } | undefined
  if (std === undefined || typeof json?.input !== 'function' || typeof json.output !== 'function')
    return schema
  return Object.freeze({
    '~standard': Object.freeze({
      ...std,
      jsonSchema: Object.freeze({
        input: once(json.input as Convert),
        output: once(json.output as Convert),
      }),
    }),
  }) as S
}

function once(convert: Convert): Convert {
  const results = new Map<string, unknown>()
  return (options) => {
    const key = JSON.stringify(options)
    if (!results.has(key)) results.set(key, deepFreeze(convert(options)))
    return results.get(key)
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
