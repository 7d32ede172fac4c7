// Policies are validated when the gateway starts: a condition that does not parse, names an
// unknown variable or is not boolean stops it with the rule's location (ConfigurationError).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compilePolicy, createGateway } from '../src/index.ts'
import type { GatewayOptions, UpstreamOptions } from '../src/index.ts'

const base = (upstreams: UpstreamOptions[]): GatewayOptions => ({
  resource: 'http://127.0.0.1:9/mcp',
  authorizationServers: ['http://127.0.0.1:9'],
  verifier: { jwt: { issuers: [{ issuer: 'http://127.0.0.1:9' }] } },
  upstreams,
})
const upstream = (overrides: Partial<UpstreamOptions> = {}): UpstreamOptions => ({
  name: 'up',
  transport: { type: 'http', url: 'http://127.0.0.1:9/up' },
  credential: { kind: 'none' },
  policy: [{ action: 'allow' }],
  ...overrides,
})

void describe('policy validation at start', () => {
  void it('accepts a valid policy (positive control)', async () => {
    const rules = compilePolicy('u', [
      {
        tools: ['read_*'],
        action: 'allow',
        when: "'notes:read' in claims.scopes && phase == 'list' || args.size < 10.0",
      },
      { action: 'deny' },
    ])
    assert.equal(rules.length, 2)
    const first = rules.at(0)
    assert.ok(first !== undefined)
    assert.equal(first.matchesTool('read_file'), true)
    assert.equal(first.matchesTool('write_file'), false)
    const gateway = createGateway(base([upstream()]))
    await gateway.close()
  })

  void it('refuses a condition that does not parse', () => {
    assert.throws(
      () => compilePolicy('gateway.upstreams.up', [{ action: 'allow', when: 'tool ==' }]),
      {
        code: 'ERR_CONFIGURATION',
        key: 'gateway.upstreams.up.policy[0].when',
        message: /invalid CEL/,
      },
    )
  })

  void it('refuses a condition naming an unknown variable', () => {
    assert.throws(() => compilePolicy('u', [{ action: 'allow', when: "usr == 'x'" }]), {
      code: 'ERR_CONFIGURATION',
      message: /unknown variable/,
    })
  })

  void it('refuses a condition that is not boolean', () => {
    assert.throws(() => compilePolicy('u', [{ action: 'allow', when: "tool + '!'" }]), {
      code: 'ERR_CONFIGURATION',
      message: /must be boolean/,
    })
  })

  void it('refuses bad tool patterns and actions', () => {
    assert.throws(() => compilePolicy('u', [{ tools: ['a b'], action: 'allow' }]), {
      code: 'ERR_CONFIGURATION',
      key: 'u.policy[0].tools',
    })
    assert.throws(() => compilePolicy('u', [{ action: 'ask' as 'allow' }]), {
      code: 'ERR_CONFIGURATION',
      key: 'u.policy[0].action',
      message: /allow, deny or approve/,
    })
  })

  void it('accepts approve rules (with mfa), refuses mfa elsewhere and approve without its pages', async () => {
    // Positive control: `approve`, with and without `mfa`, compiles.
    const rules = compilePolicy('u', [
      { tools: ['pay'], action: 'approve', mfa: true },
      { tools: ['send'], action: 'approve' },
    ])
    assert.equal(rules.length, 2)
    assert.throws(() => compilePolicy('u', [{ action: 'allow', mfa: true }]), {
      code: 'ERR_CONFIGURATION',
      key: 'u.policy[0].mfa',
    })
    assert.throws(
      () => compilePolicy('u', [{ action: 'approve', mfa: 'yes' as unknown as boolean }]),
      { code: 'ERR_CONFIGURATION', key: 'u.policy[0].mfa' },
    )
    // Without approval pages (and a store) an approve rule could never be satisfied: refused.
    assert.throws(() => createGateway(base([upstream({ policy: [{ action: 'approve' }] })])), {
      code: 'ERR_CONFIGURATION',
      key: 'gateway.approval',
    })
    const gateway = createGateway(base([upstream()]))
    await gateway.close()
  })

  void it('refuses duplicate upstreams, stdio credentials without env, exchange without a client', () => {
    assert.throws(() => createGateway(base([upstream(), upstream()])), {
      code: 'ERR_CONFIGURATION',
      message: /duplicate upstream/,
    })
    const stdio = upstream({
      transport: { type: 'stdio', command: 'true' },
      credential: { kind: 'static', value: 'x' },
    })
    assert.throws(() => createGateway(base([stdio])), {
      code: 'ERR_CONFIGURATION',
      message: /environment variable/,
    })
    const exchange = upstream({
      credential: { kind: 'exchange', resource: 'http://127.0.0.1:9/up', scopes: ['a'] },
    })
    assert.throws(() => createGateway(base([exchange])), {
      code: 'ERR_CONFIGURATION',
      message: /tokenExchange/,
    })
  })
})
