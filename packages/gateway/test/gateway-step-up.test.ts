// An upstream's 403 insufficient_scope (issue 15), through the gateway's test env: the notes
// example (Mandate-aware, enforcing `notes:write` at its HTTP layer) behind an `exchange`
// credential gets a new exchanged token with the scopes it asked for, within the configured
// `stepUpScopes` and the caller's token, and the call is retried once; a caller whose token lacks
// them gets the front's HTTP 403 insufficient_scope challenge; a stdio upstream on a `vault` credential that says so in a tool error
// starts re-linking with the wider scopes. Scopes beyond the configuration are never requested
// (the token endpoint's requests are recorded).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { ENV_PROVIDER, startGatewayEnv } from './support/gateway-env.ts'
import type { GatewayEnv } from './support/gateway-env.ts'

const textOf = (result: unknown): string =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((block) => block.text ?? '')
    .join('')
const NOTE = { title: 'step-up', body: 'written after a wider exchange' }

void describe('gateway: upstream 403 insufficient_scope', () => {
  let env: GatewayEnv
  /** The `scope` of every token-exchange request the gateway sent. */
  const exchanged: string[] = []

  before(async () => {
    env = await startGatewayEnv(
      (upstreams) =>
        upstreams.flatMap((u) => {
          if (u.name === 'envtoken' && u.credential.kind === 'vault') {
            return [{ ...u, credential: { ...u.credential, stepUpScopes: ['write'] } }]
          }
          if (u.name !== 'notes' || u.credential.kind !== 'exchange') return [u]
          const tools = ['whoami', 'create_note']
          return [
            {
              ...u,
              credential: { ...u.credential, stepUpScopes: ['notes:write'] },
              policy: [{ tools, action: 'allow' as const }],
            },
            // The same upstream with no step-up scopes configured.
            { ...u, name: 'notesro', policy: [{ tools, action: 'allow' as const }] },
          ]
        }),
      (h) => ({
        fetch: async (input, init) => {
          const url = input instanceof Request ? input.url : String(input)
          if (url === h.as.token_endpoint) {
            const body = init?.body instanceof URLSearchParams ? init.body : undefined
            exchanged.push(body?.get('scope') ?? '')
          }
          return fetch(input, init)
        },
      }),
    )
  })
  after(async () => {
    await env.close()
  })

  void it('exchanges again for the scopes the upstream asks (within stepUpScopes) and retries once', async () => {
    const client = await env.connect(await env.token('alice', 'gateway notes:read notes:write'))
    const who = JSON.parse(
      textOf(await client.callTool({ name: 'notes__whoami', arguments: {} })),
    ) as { scopes: string[] }
    assert.deepEqual(who.scopes, ['notes:read'], 'narrow by default')
    exchanged.length = 0
    const created = await client.callTool({ name: 'notes__create_note', arguments: NOTE })
    assert.notEqual(created.isError, true, textOf(created))
    assert.match(textOf(created), /step-up/)
    assert.deepEqual(exchanged, ['notes:read notes:write'])
    const last = env.notesIdentities.at(-1)
    assert.deepEqual(last?.scopes, ['notes:read', 'notes:write'])
  })

  void it('tells a caller whose token lacks the scopes to step up, exchanging nothing wider', async () => {
    const client = await env.connect(await env.token('alice', 'gateway notes:read'))
    // A first call: forget what the test above taught the gateway (a reload does).
    env.gateway.reloadPolicies({
      notes: [{ tools: ['whoami', 'create_note'], action: 'allow' as const }],
    })
    exchanged.length = 0
    // The front's HTTP 403 (the answer had not started), which the SDK client raises.
    await assert.rejects(client.callTool({ name: 'notes__create_note', arguments: NOTE }), {
      name: 'InsufficientScopeError',
      requiredScope: 'gateway notes:read notes:write',
    })
    assert.equal(
      exchanged.some((scope) => scope.includes('notes:write')),
      false,
    )
  })

  void it('never requests scopes beyond the configured ones', async () => {
    const client = await env.connect(await env.token('alice', 'gateway notes:read notes:write'))
    exchanged.length = 0
    const answer = await client.callTool({ name: 'notesro__create_note', arguments: NOTE })
    assert.equal(answer.isError, true)
    assert.match(textOf(answer), /may not grant/)
    assert.equal(
      exchanged.some((scope) => scope.includes('notes:write')),
      false,
    )
  })

  void it('vault: re-links with the wider scopes through the linking flow; nothing beyond them', async () => {
    const token = await env.token('alice')
    await env.vault.saveApiKey({
      sub: decodeJwt(token).sub ?? '',
      provider: ENV_PROVIDER,
      account: 'default',
      apiKey: 'env-key-for-step-up-0123456789abcdef',
    })
    const client = await env.connect(token)
    // Positive control: the linked account works for the tools that need no more.
    assert.match(textOf(await client.callTool({ name: 'envtoken__pid', arguments: {} })), /^\d+$/)
    const relink = await client.callTool({
      name: 'envtoken__needs_scope',
      arguments: { scope: 'write' },
    })
    assert.equal(relink.isError, true)
    assert.match(textOf(relink), /\/connect\/[\w-]+/)
    const beyond = await client.callTool({
      name: 'envtoken__needs_scope',
      arguments: { scope: 'admin' },
    })
    assert.match(textOf(beyond), /may not grant/)
    assert.doesNotMatch(textOf(beyond), /\/connect\//)
  })
})
