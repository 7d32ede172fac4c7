// SEP-2663 tasks through @mandate/server with real tokens: a task belongs to the user and client
// that created it (no one else reads, updates or cancels it, or learns it exists), each caller
// holds a bounded number, a task expires with its ttl (and its work stops), and requests that
// did not declare the extension get -32021; a revoked token's task stops (docs/revocation.md).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { REVOCATION_CHANNEL } from '@mandate/core'
import { defineTool, runAsTask } from '@mandate/server'
import type { ProtectedMcpHandler } from '@mandate/server'
import type { Store } from '@mandate/store'
import { inputRequired } from '@modelcontextprotocol/server'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { protectNotes, RESOURCE } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

const TASKS = 'io.modelcontextprotocol/tasks'
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })

interface Answer {
  status: number
  result?: Record<string, unknown>
  error?: { code: number; message: string; data?: unknown }
}

/** Work the test finishes by hand (events, not timers); `aborted` records a cancellation. */
const running = new Map<
  string,
  { finish: () => void; aborted: boolean; stopped: Promise<'aborted'> }
>()

const tools = [
  defineTool('held', { description: 'finishes when the test says', task: 'optional' }, (ctx) =>
    runAsTask(ctx, async (task) => {
      const label = `${task.identity.sub}:${String(running.size)}`
      let onAbort = (): void => undefined
      const stopped = new Promise<'aborted'>((resolve) => {
        onAbort = () => {
          resolve('aborted')
        }
      })
      await new Promise<void>((resolve) => {
        const entry = { finish: resolve, aborted: false, stopped }
        running.set(task.taskId ?? label, entry)
        task.signal.addEventListener('abort', () => {
          entry.aborted = true
          onAbort()
          resolve()
        })
      })
      return text(`secret result of ${task.identity.sub}`)
    }),
  ),
  defineTool('asks', { description: 'waits for input', task: 'optional' }, (ctx) =>
    runAsTask(ctx, async (task) => {
      const answers = await task.input({
        ok: inputRequired.elicit({
          message: 'Continue?',
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } as never,
        }),
      })
      return text(`answered ${JSON.stringify(answers)}`)
    }),
  ),
  defineTool('quick', { description: 'fast, optional task', task: 'optional' }, (ctx) =>
    runAsTask(ctx, () => Promise.resolve(text('quick answer'))),
  ),
  defineTool('must_be_task', { description: 'required', task: 'required' }, (ctx) =>
    runAsTask(ctx, () => Promise.resolve(text('ran'))),
  ),
]

void describe('SEP-2663 tasks: per-user isolation and bounds', () => {
  const backend = sqliteBackend()
  let store: Store
  let issuer: TestIssuer
  let rs: ProtectedMcpHandler
  let offsetMs = 0
  /** A 2026-07-28 request (per-request capabilities in `_meta`) as `sub` through `clientId`. */
  const rpc = async (
    sub: string,
    method: string,
    params: Record<string, unknown>,
    options: { clientId?: string; tasks?: boolean; jti?: string } = {},
  ): Promise<Answer> => {
    const token = await issuer.token(RESOURCE, {
      sub,
      client_id: options.clientId ?? 'client-1',
      ...(options.jti === undefined ? {} : { jti: options.jti }),
    })
    const name = method === 'tools/call' ? params['name'] : params['taskId']
    const response = await rs.fetch(
      new Request(RESOURCE, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
          ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method,
          params: {
            ...params,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientInfo': { name: 'tasks-test', version: '1' },
              'io.modelcontextprotocol/clientCapabilities':
                options.tasks === false ? {} : { extensions: { [TASKS]: {} } },
            },
          },
        }),
      }),
    )
    const body = (await response.json()) as Omit<Answer, 'status'>
    return { status: response.status, ...body }
  }
  const create = async (sub: string, tool = 'held', clientId = 'client-1'): Promise<string> => {
    const created = await rpc(sub, 'tools/call', { name: tool, arguments: {} }, { clientId })
    assert.equal(created.result?.['resultType'], 'task', JSON.stringify(created))
    return String(created.result['taskId'])
  }
  const get = (sub: string, taskId: string, clientId?: string) =>
    rpc(sub, 'tasks/get', { taskId }, clientId === undefined ? {} : { clientId })

  before(async () => {
    store = await backend.open({ migrate: true })
    issuer = await startTestIssuer()
    rs = protectNotes(issuer, {
      store,
      extraTools: tools,
      tasks: { maxTasksPerCaller: 2, ttlSeconds: 60 },
      now: () => Date.now() + offsetMs,
    })
  })
  after(async () => {
    for (const entry of running.values()) entry.finish()
    await rs.close()
    await issuer.close()
    await store.close()
    await backend.cleanup()
  })

  void it('another user or client cannot read, update or cancel a task, or read its result', async () => {
    const taskId = await create('alice')
    for (const [sub, clientId] of [
      ['bob', 'client-1'],
      ['alice', 'client-2'],
    ] as const) {
      for (const [method, params] of [
        ['tasks/get', { taskId }],
        ['tasks/cancel', { taskId }],
        ['tasks/update', { taskId, inputResponses: {} }],
      ] as const) {
        const refused = await rpc(sub, method, params, { clientId })
        // The same answer as for an id never issued: nothing tells that the task exists.
        assert.equal(refused.error?.code, -32602, `${sub}/${clientId} ${method}`)
        assert.equal(refused.result, undefined)
      }
    }
    assert.equal((await rpc('bob', 'tasks/get', { taskId: 'never-issued' })).error?.code, -32602)
    // Positive control: the owner reads it; bob's cancel did nothing.
    const mine = await get('alice', taskId)
    assert.equal(mine.result?.['status'], 'working')
    running.get(taskId)?.finish()
    let done = await get('alice', taskId)
    while (done.result?.['status'] === 'working') done = await get('alice', taskId)
    assert.equal(done.result?.['status'], 'completed')
    assert.match(JSON.stringify(done.result['result']), /secret result of alice/)
    const bobReads = await get('bob', taskId)
    assert.equal(bobReads.error?.code, -32602)
    assert.doesNotMatch(JSON.stringify(bobReads), /secret result/)
  })

  void it('input goes only from the owner: another caller cannot answer for them', async () => {
    const taskId = await create('alice', 'asks')
    let parked = await get('alice', taskId)
    while (parked.result?.['status'] !== 'input_required') parked = await get('alice', taskId)
    const answers = { ok: { action: 'accept', content: { ok: true } } }
    const bob = await rpc('bob', 'tasks/update', { taskId, inputResponses: answers })
    assert.equal(bob.error?.code, -32602)
    assert.equal((await get('alice', taskId)).result?.['status'], 'input_required')
    // Positive control: the owner's answer resumes it.
    const ack = await rpc('alice', 'tasks/update', { taskId, inputResponses: answers })
    assert.equal(ack.result?.['resultType'], 'complete')
    let done = await get('alice', taskId)
    while (done.result?.['status'] !== 'completed') done = await get('alice', taskId)
  })

  void it('bounds running tasks per caller; others are not affected; finished ones make room', async () => {
    const first = await create('carol')
    const second = await create('carol')
    const third = await rpc('carol', 'tools/call', { name: 'held', arguments: {} })
    assert.equal(third.result?.['isError'], true)
    assert.match(JSON.stringify(third.result), /too many running tasks/)
    // Dave has his own quota.
    const daves = await create('dave')
    // Carol cancels one (the owner can): its work is aborted, and she may start another.
    assert.equal(
      (await rpc('carol', 'tasks/cancel', { taskId: first })).result?.['resultType'],
      'complete',
    )
    assert.equal(running.get(first)?.aborted, true)
    assert.equal((await get('carol', first)).result?.['status'], 'cancelled')
    await create('carol')
    for (const id of [second, daves]) running.get(id)?.finish()
  })

  void it('a task expires with its ttl: unreadable, and its work is stopped', async () => {
    const taskId = await create('erin')
    const created = await get('erin', taskId)
    assert.equal(created.result?.['ttlMs'], 60_000)
    offsetMs = 59_000
    assert.equal((await get('erin', taskId)).result?.['status'], 'working')
    offsetMs = 61_000
    assert.equal((await get('erin', taskId)).error?.code, -32602)
    assert.equal(running.get(taskId)?.aborted, true)
    offsetMs = 0
  })

  void it('without the extension: task methods -32021, required tools -32021, optional ones run now', async () => {
    const taskId = await create('frank')
    const gated = await rpc('frank', 'tasks/get', { taskId }, { tasks: false })
    assert.equal(gated.error?.code, -32021)
    const required = await rpc(
      'frank',
      'tools/call',
      { name: 'must_be_task', arguments: {} },
      { tasks: false },
    )
    assert.equal(required.status, 400)
    assert.equal(required.error?.code, -32021)
    assert.deepEqual(required.error.data, { requiredCapabilities: { extensions: { [TASKS]: {} } } })
    // Positive controls: declared, the same calls work; an optional tool runs synchronously.
    assert.equal((await get('frank', taskId)).result?.['status'], 'working')
    const asTask = await rpc('frank', 'tools/call', { name: 'must_be_task', arguments: {} })
    assert.equal(asTask.result?.['resultType'], 'task')
    const now = await rpc('frank', 'tools/call', { name: 'quick', arguments: {} }, { tasks: false })
    assert.equal(now.result?.['resultType'], 'complete')
    assert.match(JSON.stringify(now.result['content']), /quick answer/)
    running.get(taskId)?.finish()
  })

  void it('a revoked token stops the task it created; another user’s task goes on', async () => {
    const jti = randomUUID()
    const [revokedCall, keptId] = await Promise.all([
      rpc('kim', 'tools/call', { name: 'held', arguments: {} }, { jti }),
      create('lee'),
    ])
    const revokedId = String(revokedCall.result?.['taskId'])
    assert.equal((await get('kim', revokedId)).result?.['status'], 'working')
    await store.publish(REVOCATION_CHANNEL, { type: 'token', jti })
    // The work's own signal fires; the bound guards a hang only.
    let guard: NodeJS.Timeout | undefined
    const hang = new Promise<'hang'>((resolve) => {
      guard = setTimeout(() => {
        resolve('hang')
      }, 120_000)
    })
    const outcome = await Promise.race([running.get(revokedId)?.stopped, hang])
    clearTimeout(guard)
    assert.equal(outcome, 'aborted')
    // Gone for everyone, the owner (with a token not revoked) included.
    assert.equal((await get('kim', revokedId)).error?.code, -32602)
    assert.equal((await get('lee', revokedId)).error?.code, -32602)
    // Positive control: lee's task, started at the same time, was not touched and completes.
    assert.equal(running.get(keptId)?.aborted, false)
    running.get(keptId)?.finish()
    let done = await get('lee', keptId)
    while (done.result?.['status'] === 'working') done = await get('lee', keptId)
    assert.equal(done.result?.['status'], 'completed')
    assert.match(JSON.stringify(done.result['result']), /secret result of lee/)
  })
})
