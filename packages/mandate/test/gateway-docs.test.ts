// docs/gateway.md is the gateway's configuration reference: every key of the schema (section,
// upstream, transport, credential, policy rule) is named there, and its examples are valid
// configurations whose policies compile.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import type * as z from 'zod'
import { compilePolicy } from '@mandate/gateway'
import type { PolicyRule } from '@mandate/gateway'
import { configSchema } from '../src/config/schema.ts'
import {
  gatewayCredentialSchema,
  gatewayRuleSchema,
  gatewaySection,
  gatewayTransportSchema,
  gatewayUpstreamSchema,
} from '../src/config/sections/gateway.ts'

const docs = readFileSync(new URL('../../../docs/gateway.md', import.meta.url), 'utf8')

function keysOf(schema: z.ZodType): string[] {
  let current = schema
  for (;;) {
    const def = current._zod.def as {
      type: string
      innerType?: z.ZodType
      shape?: object
      options?: z.ZodType[]
    }
    if (def.innerType !== undefined) current = def.innerType
    else if (def.type === 'union') return (def.options ?? []).flatMap(keysOf)
    else return Object.keys(def.shape ?? {})
  }
}

describe('docs/gateway.md', () => {
  it('names every configuration key of the gateway', () => {
    const keys = [
      ...keysOf(gatewaySection),
      ...keysOf(gatewayUpstreamSchema),
      ...keysOf(gatewayTransportSchema),
      ...keysOf(gatewayCredentialSchema),
      ...keysOf(gatewayRuleSchema),
    ]
    assert.ok(keys.length > 30, 'the schema walk found the keys')
    const missing = [...new Set(keys)].filter((key) => !docs.includes(`\`${key}\``))
    assert.deepEqual(missing, [])
  })

  it('has examples that are valid configurations with policies that compile', () => {
    const examples = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map(
      (m) => JSON.parse(m[1] ?? '') as object,
    )
    assert.ok(examples.length >= 4, `the examples are found (${String(examples.length)})`)
    for (const example of examples) {
      const { gateway } = configSchema.parse(example)
      for (const upstream of gateway.upstreams) {
        const policy = upstream.policy.map(
          (rule) =>
            Object.fromEntries(
              Object.entries(rule).filter(([, v]) => v !== undefined),
            ) as unknown as PolicyRule,
        )
        assert.ok(compilePolicy(upstream.name, policy).length > 0)
      }
    }
  })
})
