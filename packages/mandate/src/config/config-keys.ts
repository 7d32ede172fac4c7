import type * as z from 'zod'
import { configSchema } from './schema.ts'

/**
 * Every configuration key, as dotted paths to leaves (records and arrays count as leaves).
 * docs/configuration.md must name each one; a test holds them together.
 */
export function configKeys(schema: z.ZodType = configSchema, prefix = ''): string[] {
  const inner = unwrap(schema)
  const def = inner._zod.def as { type: string; shape?: Record<string, z.ZodType> }
  if (def.type !== 'object' || def.shape === undefined)
    return prefix === '' ? [] : [prefix.slice(0, -1)]
  return Object.entries(def.shape).flatMap(([key, child]) => configKeys(child, `${prefix}${key}.`))
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType }
    if (!['default', 'prefault', 'optional', 'nullable'].includes(def.type) || !def.innerType) {
      return current
    }
    current = def.innerType
  }
}
