import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { Client } from '@modelcontextprotocol/client'
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server'
import type { CallToolResult } from '@modelcontextprotocol/server'
import { GITHUB_ACCESS, githubReposTool } from '@mandate/example-notes-server'
import type { CredentialsSource } from '@mandate/example-notes-server'
import type { FreshCredential } from '@mandate/vault'

// The demo's real-provider tool: it declares its access in `defineTool` and asks the linking
// layer for it, and sends the user's GitHub token to GitHub's API only. The API is played by a local server
// that answers like GitHub's "List repositories for the authenticated user".
void describe('github_repos (a tool that declares a real provider)', () => {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = []
  let revoked = new Set<string>()
  const api = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers })
    if (revoked.has(req.headers.authorization ?? '')) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"message":"Bad credentials"}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify([
        { full_name: 'alice/notes', description: 'my notes' },
        { full_name: 'alice/x', description: null },
      ]),
    )
  })
  let base = ''
  before(async () => {
    api.listen(0, '127.0.0.1')
    await once(api, 'listening')
    base = `http://127.0.0.1:${String((api.address() as AddressInfo).port)}`
  })
  after(() => {
    api.close()
  })

  /** A GitHub credential as the vault hands it to a tool. */
  const fresh = (token: string): FreshCredential => ({
    credential_id: 'c1',
    provider: 'github',
    account: 'alice',
    kind: 'oauth',
    token_type: 'Bearer',
    access_token: token,
    expires_at: null,
    scopes: ['read:user'],
  })

  /** Linking as the tool sees it, answering from a list of tokens (the vault's refresh). */
  const linking = (tokens: string[]) => {
    const asked: { only: unknown; rejected: unknown }[] = []
    const link: CredentialsSource = {
      credentials: (_ctx, options) => {
        asked.push({ only: options?.only, rejected: options?.rejected?.['github']?.access_token })
        const token = tokens.shift()
        return Promise.resolve(
          token === undefined
            ? { ok: false, answer: { content: [{ type: 'text', text: 'link GitHub first' }] } }
            : { ok: true, credentials: { github: fresh(token) } },
        )
      },
    }
    return { link, asked }
  }

  /** One `tools/call` through a real SDK client and server, connected in memory. */
  async function call(link: CredentialsSource): Promise<CallToolResult> {
    const server = new McpServer({ name: 't', version: '0' })
    githubReposTool(link, base).register(server)
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    const client = new Client({ name: 't', version: '0' })
    await client.connect(clientSide)
    try {
      return await client.callTool({ name: 'github_repos', arguments: {} })
    } finally {
      await client.close()
      await server.close()
    }
  }

  void it('declares exactly its access, reads all of it and lists the repositories', async () => {
    seen.length = 0
    const { link, asked } = linking(['gho_first'])
    assert.deepEqual(githubReposTool(link, base).access, [
      { provider: 'github', scopes: ['read:user'] },
    ])
    assert.deepEqual(GITHUB_ACCESS, [{ provider: 'github', scopes: ['read:user'] }])
    const result = await call(link)
    assert.deepEqual(asked, [{ only: undefined, rejected: undefined }])
    assert.deepEqual(result.content, [{ type: 'text', text: 'alice/notes: my notes\nalice/x' }])
    const [request, ...more] = seen
    assert.ok(request)
    assert.equal(more.length, 0)
    assert.equal(request.headers.authorization, 'Bearer gho_first')
    assert.equal(request.headers['x-github-api-version'], '2022-11-28')
    assert.match(request.url, /^\/user\/repos\?visibility=public&sort=updated&per_page=10$/)
  })

  void it('a token GitHub refuses is handed back once for a refresh, then the call succeeds', async () => {
    seen.length = 0
    revoked = new Set(['Bearer gho_revoked'])
    const { link, asked } = linking(['gho_revoked', 'gho_fresh'])
    const result = await call(link)
    assert.equal(asked.length, 2)
    assert.equal(asked[1]?.rejected, 'gho_revoked')
    assert.notEqual(result.isError, true)
    assert.deepEqual(
      seen.map((s) => s.headers.authorization),
      ['Bearer gho_revoked', 'Bearer gho_fresh'],
    )
  })

  void it('without a linked account the linking answer is returned and GitHub is not called', async () => {
    seen.length = 0
    const { link } = linking([])
    const result = await call(link)
    assert.deepEqual(result.content, [{ type: 'text', text: 'link GitHub first' }])
    assert.equal(seen.length, 0)
  })
})
