// Resource templates, subscriptions and completions through the gateway, with server-everything
// behind it (stdio, one process per user) and the SDK v2 client in front: policy filters and
// decides them like tools, and a subscription lives on the subscriber's own upstream session.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Client } from '@modelcontextprotocol/client'
import { startGatewayEnv } from './support/gateway-env.ts'
import type { GatewayEnv } from './support/gateway-env.ts'

const TEXT_TEMPLATE = 'demo://resource/dynamic/text/{resourceId}'
const BLOB_TEMPLATE = 'demo://resource/dynamic/blob/{resourceId}'

/** Resolves with the first `notifications/resources/updated` URI the client receives. */
function updates(client: Client): { uris: string[]; first: Promise<string> } {
  const uris: string[] = []
  let resolve!: (uri: string) => void
  const first = new Promise<string>((done) => (resolve = done))
  client.setNotificationHandler('notifications/resources/updated', (notification) => {
    uris.push(notification.params.uri)
    resolve(notification.params.uri)
  })
  return { uris, first }
}

void describe('gateway: resource templates, subscriptions, completions', () => {
  let env: GatewayEnv
  let alice: Client
  let bob: Client
  let documents: string[]
  before(async () => {
    env = await startGatewayEnv((upstreams) =>
      upstreams.map((u) =>
        u.name === 'everything'
          ? {
              ...u,
              policy: [
                {
                  tools: [
                    'resource:demo://resource/dynamic/text/*',
                    'prompt:completable-prompt',
                    'toggle-subscriber-updates',
                  ],
                  action: 'allow' as const,
                },
                ...u.policy,
              ],
            }
          : u,
      ),
    )
    alice = await env.connect(await env.token('alice'))
    bob = await env.connect(await env.token('bob'))
    documents = (await alice.listResources()).resources
      .map((r) => r.uri)
      .filter((uri) => uri.startsWith('demo://resource/static/document/'))
    assert.ok(documents.length >= 2)
  })
  after(async () => {
    await env.close()
  })

  void it('lists only the templates policy allows, of allowed upstreams only', async () => {
    const templates = (await alice.listResourceTemplates()).resourceTemplates.map(
      (t) => t.uriTemplate,
    )
    // Positive control: the allowed template, once (the `web` upstream lists the same one but
    // its policy allows only `echo`, so its templates are invisible).
    assert.deepEqual(templates, [TEXT_TEMPLATE])
    assert.equal(templates.includes(BLOB_TEMPLATE), false)
  })

  void it('reads a resource of an allowed template; refuses one of a hidden template', async () => {
    const read = await alice.readResource({ uri: 'demo://resource/dynamic/text/7' })
    assert.equal(read.contents[0]?.uri, 'demo://resource/dynamic/text/7')
    await assert.rejects(alice.readResource({ uri: 'demo://resource/dynamic/blob/7' }), {
      code: -32602,
      message: /resource not available/,
    })
  })

  void it('completes prompt arguments and template variables that policy allows', async () => {
    const prompt = await alice.complete({
      ref: { type: 'ref/prompt', name: 'everything__completable-prompt' },
      argument: { name: 'department', value: 'Eng' },
    })
    assert.deepEqual(prompt.completion.values, ['Engineering'])
    const template = await alice.complete({
      ref: { type: 'ref/resource', uri: TEXT_TEMPLATE },
      argument: { name: 'resourceId', value: '3' },
    })
    assert.deepEqual(template.completion.values, ['3'])
  })

  void it('refuses completions of a denied upstream, prompt or template', async () => {
    for (const ref of [
      { type: 'ref/prompt' as const, name: 'web__completable-prompt' },
      { type: 'ref/prompt' as const, name: 'everything__args-prompt' },
      { type: 'ref/resource' as const, uri: BLOB_TEMPLATE },
    ]) {
      await assert.rejects(
        alice.complete({ ref, argument: { name: 'department', value: 'E' } }),
        { code: -32602, message: /completion not available/ },
        JSON.stringify(ref),
      )
    }
  })

  void it("relays a subscription's updates to its subscriber only", async () => {
    const [docA, docB] = documents as [string, string]
    const toAlice = updates(alice)
    const toBob = updates(bob)
    await alice.subscribeResource({ uri: docA })
    await bob.subscribeResource({ uri: docB })
    // server-everything sends an update for each subscription at once, then every 5 s.
    await alice.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} })
    assert.equal(await toAlice.first, docA)
    await bob.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} })
    assert.equal(await toBob.first, docB)
    assert.equal(toAlice.uris.includes(docB), false)
    assert.equal(toBob.uris.includes(docA), false)
    await alice.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} })
    await bob.callTool({ name: 'everything__toggle-subscriber-updates', arguments: {} })
    await alice.unsubscribeResource({ uri: docA })
  })

  void it('refuses a subscription policy does not allow', async () => {
    await assert.rejects(alice.subscribeResource({ uri: 'demo://resource/dynamic/blob/1' }), {
      code: -32602,
      message: /resource not available/,
    })
  })
})
