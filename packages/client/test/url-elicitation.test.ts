// URL elicitation end to end against a real SDK v2 server: -32042 URLElicitationRequiredError,
// consent, the "browser" visiting the link, notifications/elicitation/complete, one retry.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
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
    await assert.rejects(support.callTool(client, { name: 'repos', arguments: {} }))
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
  void test('no completion notification (a MAY for servers): the manual retry control releases the one retry', async () => {
    server.reset({ link: (o, id) => `${o}/connect/${id}`, announce: () => [] })
    const asked: string[] = []
    const { client, support, visited } = await session({
      completionTimeoutMs: 60_000,
      manualRetry: (request) => {
        asked.push(request.elicitationId)
        return Promise.resolve('retry')
      },
    })
    const started = Date.now()
    const result = await support.callTool(client, { name: 'repos', arguments: {} })
    assert.deepEqual(result.content, [{ type: 'text', text: 'repo-a, repo-b' }])
    assert.ok(Date.now() - started < 10_000, 'did not wait for the completion timeout')
    assert.equal(asked.length, 1)
    assert.equal(visited.length, 1)
    assert.equal(server.toolCalls, 2)
    await client.close()
  })

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
