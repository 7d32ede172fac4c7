// URL elicitation end to end against a real SDK v2 server: -32042 URLElicitationRequiredError,
// consent, the "browser" visiting the link, notifications/elicitation/complete, one retry.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { ElicitRequestURLParams } from '@modelcontextprotocol/client'
import type { ConsentRequest, UrlElicitationOptions } from '@mandate/client'
import { ClientError, createUrlElicitationSupport } from '@mandate/client'

import type { LinkingServer } from './support/linking-server.ts'
import { startLinkingServer } from './support/linking-server.ts'

let server: LinkingServer
before(async () => {
  server = await startLinkingServer()
})
after(async () => {
  await server.close()
})

async function session(overrides: Partial<UrlElicitationOptions> = {}) {
  const prompts: ConsentRequest[] = []
  const visited: string[] = []
  const support = createUrlElicitationSupport({
    serverUrl: `${server.origin}/mcp`,
    allowLoopback: true,
    completionTimeoutMs: 3000,
    consent: (request) => {
      prompts.push(request)
      return Promise.resolve({ approved: true })
    },
    // The person's browser: visits the link (nothing fetched it before consent).
    open: async (url) => {
      visited.push(url.href)
      await (await fetch(url)).text()
    },
    ...overrides,
  })
  const client = new Client(
    { name: 'elicitation-test', version: '0' },
    { capabilities: support.capabilities },
  )
  support.attach(client)
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`)))
  return { client, support, prompts, visited }
}

void describe('URL elicitation against an SDK v2 server', () => {
  void test('consent, browser, completion notification, one retry; the model only sees the result', async () => {
    server.reset()
    const { client, support, prompts, visited } = await session()
    const result = await support.callTool(client, { name: 'repos', arguments: {} })
    assert.deepEqual(result.content, [{ type: 'text', text: 'repo-a, repo-b' }])
    assert.equal(server.toolCalls, 2)
    assert.equal(prompts.length, 1)
    assert.equal(prompts[0]?.message, 'Link your GitHub account')
    assert.equal(visited.length, 1)
    assert.doesNotMatch(JSON.stringify(result), /connect/)
    await client.close()
  })

  void test('catalogue #183: a look-alike link is refused without consent, browser or retry', async () => {
    server.reset({
      link: (_o, id) => `https://l0calhost.example/connect/${id}`,
      announce: (id) => [id],
    })
    const refused: string[] = []
    const { client, support, prompts, visited } = await session({
      policy: { allow: ['localhost.example'] },
      onRefused: (notice) => refused.push(notice.reason),
    })
    await assert.rejects(
      support.callTool(client, { name: 'repos', arguments: {} }),
      (e) => e instanceof ClientError && e.code === 'ERR_CLIENT_ELICITATION_REFUSED',
    )
    assert.equal(prompts.length, 0)
    assert.equal(visited.length, 0)
    assert.equal(server.toolCalls, 1)
    assert.match(refused[0] ?? '', /looks like localhost\.example/)
    await client.close()
  })

  void test('catalogue #185: a link to a domain outside the policy is refused', async () => {
    server.reset({
      link: (_o, id) => `https://accounts.evil.example/connect/${id}`,
      announce: (id) => [id],
    })
    const { client, support, prompts, visited } = await session()
    await assert.rejects(support.callTool(client, { name: 'repos', arguments: {} }), {
      code: 'ERR_CLIENT_ELICITATION_REFUSED',
      message: /declined/,
    })
    assert.equal(prompts.length, 0)
    assert.equal(visited.length, 0)
    await client.close()
  })

  void test('catalogue #182: a completion for another elicitation id does not release the retry', async () => {
    server.reset({ link: (o, id) => `${o}/connect/${id}`, announce: () => [randomUUID()] })
    const { client, support } = await session({ completionTimeoutMs: 800 })
    await assert.rejects(
      support.callTool(client, { name: 'repos', arguments: {} }),
      (e) => e instanceof ClientError && e.code === 'ERR_CLIENT_ELICITATION_TIMEOUT',
    )
    assert.equal(server.toolCalls, 1)
    await client.close()
  })
  void test(
    'no completion notification (a MAY for servers): the manual retry control releases the one retry',
    { timeout: 300_000 },
    async () => {
      server.reset({ link: (o, id) => `${o}/connect/${id}`, announce: () => [] })
      const asked: string[] = []
      const { client, support, visited } = await session({
        // Longer than the test's own bound: had the retry waited for it, the test would fail.
        completionTimeoutMs: 3_600_000,
        manualRetry: (request) => {
          asked.push(request.elicitationId ?? 'none')
          return Promise.resolve('retry')
        },
      })
      const result = await support.callTool(client, { name: 'repos', arguments: {} })
      assert.deepEqual(result.content, [{ type: 'text', text: 'repo-a, repo-b' }])
      assert.equal(asked.length, 1)
      assert.equal(visited.length, 1)
      assert.equal(server.toolCalls, 2)
      await client.close()
    },
  )

  void test('manual control: cancel gives up without a retry', async () => {
    server.reset({ link: (o, id) => `${o}/connect/${id}`, announce: () => [] })
    const { client, support } = await session({ manualRetry: () => Promise.resolve('cancel') })
    await assert.rejects(
      support.callTool(client, { name: 'repos', arguments: {} }),
      (e) => e instanceof ClientError && e.code === 'ERR_CLIENT_ELICITATION_REFUSED',
    )
    assert.equal(server.toolCalls, 1)
    await client.close()
  })
})

void describe('2026-07-28 URL elicitation (no completion notification exists)', () => {
  // The 2026-07-28 shape has no elicitationId (the SDK's type still names the 2025 one).
  const params = (origin: string) =>
    ({
      mode: 'url',
      message: 'Connect your Demo Calendar account',
      url: `${origin}/connect/${'a'.repeat(43)}`,
    }) as unknown as ElicitRequestURLParams
  const support = (manualRetry?: UrlElicitationOptions['manualRetry']) =>
    createUrlElicitationSupport({
      serverUrl: `${server.origin}/mcp`,
      allowLoopback: true,
      completionTimeoutMs: 2_000,
      consent: () => Promise.resolve({ approved: true }),
      open: () => Promise.resolve(),
      ...(manualRetry === undefined ? {} : { manualRetry }),
    })

  void test('answers accept (which retries the call) only once the person says done', async () => {
    let release: (value: 'retry') => void = () => undefined
    const asked: (string | undefined)[] = []
    const pending = support(({ elicitationId }) => {
      asked.push(elicitationId)
      return new Promise((resolve) => {
        release = resolve
      })
    }).handle(params(server.origin))
    let answered = false
    void pending.then(() => {
      answered = true
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal(answered, false, 'must not answer before the person is done')
    release('retry')
    assert.deepEqual(await pending, { action: 'accept' })
    assert.deepEqual(asked, [undefined])
  })

  void test('cancel from the person, or the timeout, answers cancel', async () => {
    assert.deepEqual(await support(() => Promise.resolve('cancel')).handle(params(server.origin)), {
      action: 'cancel',
    })
    assert.deepEqual(
      await support(() => new Promise(() => undefined)).handle(params(server.origin)),
      { action: 'cancel' },
    )
  })

  void test('without a manual control the answer is immediate (the server hands the same link back)', async () => {
    assert.deepEqual(await support().handle(params(server.origin)), { action: 'accept' })
  })
})
