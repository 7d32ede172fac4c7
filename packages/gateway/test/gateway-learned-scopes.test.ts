// Scopes an `exchange` upstream demanded are remembered per upstream and tool (issue 15): the
// notes example (requiring `notes:write` for `create_note` at its HTTP layer) behind the
// gateway's test env. The second call exchanges for them up front (the upstream answers 403 only
// once); a caller whose token lacks them gets the front's HTTP 403 insufficient_scope challenge
// before the call; a demand beyond `stepUpScopes` is never remembered; a reload forgets.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { UpstreamOptions } from '../src/index.ts'
import { LearnedScopes, learnedScopesLimits } from '../src/credentials/learned-scopes.ts'
import { startGatewayEnv } from './support/gateway-env.ts'
import type { GatewayEnv } from './support/gateway-env.ts'

const textOf = (result: unknown): string =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((block) => block.text ?? '')
    .join('')
const NOTE = { title: 'learned', body: 'written with scopes learned from the upstream' }
const FULL = 'gateway notes:read notes:write'
const NARROW = 'gateway notes:read'

void describe('gateway: scopes learned from an upstream 403 insufficient_scope', () => {
  let env: GatewayEnv
  let configured: UpstreamOptions[] = []
  /** The `scope` of every token-exchange request the gateway sent. */
  const exchanged: string[] = []
  /** Status of every answer of the notes upstream (by origin). */
  const answers: { origin: string; status: number }[] = []
  const notes403 = () =>
    answers.filter((a) => a.origin === new URL(env.notesUrl).origin && a.status === 403).length

  before(async () => {
    env = await startGatewayEnv(
      (upstreams) => {
        configured = upstreams.flatMap((u) => {
          if (u.name !== 'notes' || u.credential.kind !== 'exchange') return [u]
          const policy = [{ tools: ['whoami', 'create_note'], action: 'allow' as const }]
          return [
            { ...u, credential: { ...u.credential, stepUpScopes: ['notes:write'] }, policy },
            // The same upstream with no step-up scopes configured.
            { ...u, name: 'notesro', policy },
          ]
        })
        return configured
      },
      (h) => ({
        fetch: async (input, init) => {
          const url = input instanceof Request ? input.url : String(input)
          const echoed = toolErrorOnce(url, init)
          if (echoed !== undefined) return echoed
          if (url === h.as.token_endpoint) {
            const body = init?.body instanceof URLSearchParams ? init.body : undefined
            exchanged.push(body?.get('scope') ?? '')
          }
          const response = await fetch(input, init)
          answers.push({ origin: new URL(url).origin, status: response.status })
          return response
        },
      }),
    )
  })
  after(async () => {
    await env.close()
  })

  /**
   * When set, the next `tools/call` to the notes upstream is answered, in its place, by a tool
   * error whose text names insufficient_scope and a scope: what a tool echoing its caller's
   * arguments would return.
   */
  let fakeToolError = false
  const toolErrorOnce = (url: string, init: RequestInit | undefined): Response | undefined => {
    const body = typeof init?.body === 'string' ? init.body : ''
    if (!fakeToolError || !url.startsWith(env.notesUrl) || !body.includes('"tools/call"')) return
    fakeToolError = false
    const { id } = JSON.parse(body) as { id: number }
    const text = 'error="insufficient_scope" scope="notes:read notes:write"'
    return Response.json({
      jsonrpc: '2.0',
      id,
      result: { content: [{ type: 'text', text }], isError: true },
    })
  }

  /** A `tools/call` straight to the gateway's endpoint: the HTTP status shows the front's answer. */
  const post = async (token: string, name: string) => {
    const response = await fetch(env.gatewayUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name, arguments: NOTE },
      }),
    })
    const body = await response.text()
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body }
  }
  const forget = () => {
    env.gateway.reloadPolicies({})
  }

  void it('the second call exchanges for the demanded scopes up front: no second 403', async () => {
    forget()
    const first = await env.connect(await env.token('alice', FULL))
    exchanged.length = 0
    answers.length = 0
    const created = await first.callTool({ name: 'notes__create_note', arguments: NOTE })
    assert.notEqual(created.isError, true, textOf(created))
    assert.equal(notes403(), 1, 'the upstream demanded notes:write once')
    assert.deepEqual(exchanged, ['notes:read', 'notes:read notes:write'])
    // A new sign-in (no cached exchange): one exchange, wide at once, and no 403.
    const second = await env.connect(await env.token('alice', FULL))
    exchanged.length = 0
    answers.length = 0
    const again = await second.callTool({ name: 'notes__create_note', arguments: NOTE })
    assert.notEqual(again.isError, true, textOf(again))
    assert.equal(notes403(), 0)
    assert.deepEqual(exchanged, ['notes:read notes:write'])
    assert.deepEqual(env.notesIdentities.at(-1)?.scopes, ['notes:read', 'notes:write'])
    // Other tools of the upstream stay narrow.
    exchanged.length = 0
    await second.callTool({ name: 'notes__whoami', arguments: {} })
    assert.deepEqual(env.notesIdentities.at(-1)?.scopes, ['notes:read'])
  })

  void it('a caller without the learned scope gets HTTP 403 insufficient_scope before the call', async () => {
    forget()
    const narrow = await env.token('alice', NARROW)
    // First call: the upstream's demand arrives before the answer started: the front's 403,
    // scopes needed plus held (RFC 6750 §3.1).
    answers.length = 0
    const first = await post(narrow, 'notes__create_note')
    assert.equal(first.status, 403)
    assert.match(first.challenge ?? '', /error="insufficient_scope"/)
    assert.match(first.challenge ?? '', /scope="gateway notes:read notes:write"/)
    assert.equal(notes403(), 1, 'the upstream was called and demanded notes:write')
    answers.length = 0
    const refused = await post(narrow, 'notes__create_note')
    assert.equal(refused.status, 403)
    assert.match(refused.challenge ?? '', /error="insufficient_scope"/)
    assert.match(refused.challenge ?? '', /scope="[^"]*\bnotes:write\b[^"]*"/)
    assert.equal(answers.length, 0, 'the upstream was not called')
    // Positive control: a caller whose token holds the scope passes and the call succeeds.
    const accepted = await post(await env.token('alice', FULL), 'notes__create_note')
    assert.equal(accepted.status, 200)
    assert.match(accepted.body, /learned/)
    assert.doesNotMatch(accepted.body, /"isError":true/)
  })

  void it('a demanded scope outside stepUpScopes is never remembered', async () => {
    forget()
    const client = await env.connect(await env.token('alice', FULL))
    exchanged.length = 0
    const answer = await client.callTool({ name: 'notesro__create_note', arguments: NOTE })
    assert.match(textOf(answer), /may not grant/)
    const again = await post(await env.token('alice', NARROW), 'notesro__create_note')
    assert.equal(again.status, 200, 'no requirement learned for notesro')
    assert.equal(
      exchanged.some((scope) => scope.includes('notes:write')),
      false,
    )
    // Positive control: the same demand by `notes` (whose stepUpScopes allow it) is learned.
    await client.callTool({ name: 'notes__create_note', arguments: NOTE })
    assert.equal((await post(await env.token('alice', NARROW), 'notes__create_note')).status, 403)
  })

  void it('a tool error naming insufficient_scope is retried but not remembered', async () => {
    forget()
    const client = await env.connect(await env.token('alice', FULL))
    fakeToolError = true
    exchanged.length = 0
    const answer = await client.callTool({ name: 'notes__whoami', arguments: {} })
    assert.equal(fakeToolError, false, 'the tool error was served')
    assert.notEqual(answer.isError, true, textOf(answer))
    // The first exchange, then one retry with the wider scopes.
    assert.deepEqual(exchanged, ['notes:read', 'notes:read notes:write'])
    assert.equal((await post(await env.token('alice', NARROW), 'notes__whoami')).status, 200)
    // Positive control: the upstream's own HTTP 403 for create_note is remembered.
    await client.callTool({ name: 'notes__create_note', arguments: NOTE })
    assert.equal((await post(await env.token('alice', NARROW), 'notes__create_note')).status, 403)
  })

  void it('a reload forgets what was learned', async () => {
    forget()
    await post(await env.token('alice', NARROW), 'notes__create_note')
    // Refused before the call while learned; once forgotten, the upstream is asked again (its
    // demand then comes back as the front's 403 from within the call).
    const reachesUpstream = async (): Promise<boolean> => {
      answers.length = 0
      const answer = await post(await env.token('alice', NARROW), 'notes__create_note')
      assert.equal(answer.status, 403)
      return notes403() === 1
    }
    assert.equal(await reachesUpstream(), false)
    await env.gateway.reloadUpstreams(configured)
    assert.equal(await reachesUpstream(), true, 'reloadUpstreams cleared it')
    assert.equal(await reachesUpstream(), false)
    env.gateway.reloadPolicies({})
    assert.equal(await reachesUpstream(), true, 'reloadPolicies cleared it')
  })
})

void describe('LearnedScopes: bounded, expiring, only adding', () => {
  void it('keeps at most maxEntries (oldest out), expires after ttlMs, merges demands', () => {
    let now = 0
    const learned = new LearnedScopes({ maxEntries: 2, ttlMs: 1000, now: () => now })
    learned.remember('u', 'a', ['x'])
    learned.remember('u', 'a', ['y'])
    assert.deepEqual(learned.get('u', 'a'), ['x', 'y'])
    learned.remember('u', 'b', ['x'])
    learned.remember('v', 'a', ['x'])
    assert.equal(learned.size, 2)
    assert.deepEqual(learned.get('u', 'a'), [], 'the oldest went out')
    assert.deepEqual(learned.get('v', 'a'), ['x'])
    now = 1000
    assert.deepEqual(learned.get('v', 'a'), [], 'expired')
    const off = new LearnedScopes({ maxEntries: 0, ttlMs: 1000 })
    off.remember('u', 'a', ['x'])
    assert.deepEqual(off.get('u', 'a'), [])
  })

  void it('refuses bounds that would leave it unbounded or never expiring', () => {
    assert.throws(() => learnedScopesLimits({ maxEntries: Number.NaN }), {
      code: 'ERR_CONFIGURATION',
      key: 'gateway.learnedScopes.maxEntries',
    })
    assert.throws(() => learnedScopesLimits({ ttlMs: Number.POSITIVE_INFINITY }), {
      code: 'ERR_CONFIGURATION',
      key: 'gateway.learnedScopes.ttlMs',
    })
    // Positive control: the defaults.
    assert.deepEqual(learnedScopesLimits(undefined), { maxEntries: 1000, ttlMs: 3_600_000 })
  })
})
